"""Files are judged by their bytes: type by magic number, images decoded, limits named."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from bot import i18n
from bot.events import FileShared
from bot.intake import files as intake_files
from bot.intake import service
from bot.intake.files import (
    Accepted,
    Inspected,
    Refused,
    examine,
    human_size,
    inspect,
    judge,
    sniff,
)
from bot.orgconfig import IntakeConfig, OrgConfig
from storage.blobs import BlobStore, configure, public_link
from tests import intake_files as f

LIMITS = IntakeConfig()


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (f.png(), "image/png"),
        (f.jpeg(), "image/jpeg"),
        (f.gif(), "image/gif"),
        (f.webp(), "image/webp"),
        (f.MP4, "video/mp4"),
        (f.MOV, "video/quicktime"),
        (f.PDF, "application/pdf"),
        (f.ZIP, None),
        (f.NOT_A_PNG, None),
        (b"", None),
    ],
)
def test_sniffs_the_type_from_the_bytes(data: bytes, media_type: str | None) -> None:
    assert sniff(data) == media_type


def test_an_image_is_accepted_with_its_dimensions() -> None:
    assert examine("visual.png", f.png(1200, 628), LIMITS) == Accepted(
        "image/png", len(f.png(1200, 628)), 1200, 628
    )


def test_the_name_does_not_matter_the_bytes_do() -> None:
    result = examine("foto.jpg", f.png(10, 10), LIMITS)
    assert isinstance(result, Accepted) and result.media_type == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("leer.png", b"", "intake.refused.empty"),
        ("fake.png", f.NOT_A_PNG, "intake.refused.unknown"),
        ("archiv.zip", f.ZIP, "intake.refused.unknown"),
        ("kaputt.png", f.BROKEN_PNG, "intake.refused.damaged"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name: str, data: bytes, key: str) -> None:
    result = examine(name, data, LIMITS)
    assert isinstance(result, Refused) and result.key == key
    assert result.params["name"] == name


def test_too_big_names_the_limit() -> None:
    limits = IntakeConfig(max_file_size=1024)
    result = examine("gross.png", f.png(), limits)
    assert result == Refused(
        "intake.refused.too_big",
        {"name": "gross.png", "size": human_size(len(f.png())), "max": "1 KB"},
    )


def test_too_big_by_the_platforms_word_without_the_bytes() -> None:
    result = examine("film.mp4", b"", LIMITS, declared_size=60 * 1024**2)
    assert isinstance(result, Refused) and result.key == "intake.refused.too_big"
    assert result.params["max"] == "50 MB" and result.params["size"] == "60 MB"


def test_a_file_cut_off_at_the_limit_is_more_than_the_limit() -> None:
    """A 60 MB file Slack calls 1 KB is read up to the limit and cut: it is not "50 MB"."""
    result = examine("liar.mp4", b"", LIMITS, declared_size=1024)
    assert result == Refused("intake.refused.too_big_cut", {"name": "liar.mp4", "max": "50 MB"})
    assert i18n.t("de", result.key, **result.params) == (
        "liar.mp4 ist mehr als 50 MB groß – erlaubt sind höchstens 50 MB."
    )
    assert i18n.t("en", result.key, **result.params) == (
        "liar.mp4 is more than 50 MB – the limit is 50 MB."
    )


def _never_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    def decode(self: Image.Image) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    monkeypatch.setattr(Image.Image, "load", decode)


def test_an_image_bomb_is_refused_from_its_header_without_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = f.png_bomb()
    assert len(bomb) < 700 * 1024  # small on disk, 169 MB once decoded
    _never_decode(monkeypatch)
    result = examine("bombe.png", bomb, LIMITS)
    assert isinstance(result, Refused) and result.key == "intake.refused.pixels"
    assert i18n.t("de", result.key, **result.params) == (
        "bombe.png: Das Bild hat 169 Megapixel (13000 × 13000) – erlaubt sind höchstens "
        "50 Megapixel."
    )


def test_the_pixel_limit_is_the_organisations() -> None:
    limits = IntakeConfig(max_pixels=200 * 200)
    assert isinstance(examine("ok.png", f.png(200, 200), limits), Accepted)
    refused = examine("gross.png", f.png(210, 200), limits)
    assert isinstance(refused, Refused) and refused.key == "intake.refused.pixels"
    assert refused.params["megapixels"] == "0.042" and refused.params["max"] == "0.04"
    assert IntakeConfig().max_pixels == 50_000_000


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("host", "intake.refused.host"),
        ("pasted", "intake.refused.pasted"),
        ("", "intake.refused.unreachable"),
    ],
)
def test_a_file_not_fetched_says_why(reason: str, key: str) -> None:
    shared = FileShared(name="bild.png", fetched=False, reason=reason)
    assert judge(shared, LIMITS) == Refused(key, {"name": "bild.png"})


async def test_inspect_measures_in_a_thread_and_intake_reuses_its_verdicts(
    monkeypatch: pytest.MonkeyPatch, org: OrgConfig
) -> None:
    """What the inbox worker calls before the transaction: afterwards intake decodes nothing."""
    threads: list[int] = []
    real_examine = intake_files.examine

    def examine_recorded(*args: object, **kwargs: object) -> Accepted | Refused:
        threads.append(threading.get_ident())
        return real_examine(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(intake_files, "examine", examine_recorded)
    visual = FileShared(name="visual.png", data=f.png(1200, 628), size=1)
    inspected = await inspect([visual, FileShared(name="weg.png", fetched=False)], LIMITS)
    assert threads and threading.get_ident() not in threads
    assert [type(i) for i in inspected] == [Inspected, Inspected]
    assert isinstance(inspected[0], FileShared) and inspected[0].data is visual.data

    _never_decode(monkeypatch)
    results, refused = await service.examine_all(org, inspected)
    assert results[0][1] == Accepted("image/png", len(visual.data), 1200, 628)
    assert refused == [Refused("intake.refused.unreachable", {"name": "weg.png"})]


def test_a_type_not_allowed_names_the_allowed_ones() -> None:
    limits = IntakeConfig(allowed_types=["image/png", "image/jpeg"])
    result = examine("clip.mp4", f.MP4, limits)
    assert result == Refused(
        "intake.refused.type", {"name": "clip.mp4", "type": "MP4", "allowed": "PNG, JPEG"}
    )


def test_sizes_read_like_people_write_them() -> None:
    assert IntakeConfig(max_file_size="50MB").max_file_size == 50 * 1024**2  # type: ignore[arg-type]
    assert IntakeConfig(max_file_size="500 KB").max_file_size == 500 * 1024  # type: ignore[arg-type]
    assert human_size(1536) == "1.5 KB"


def test_blobs_are_content_addressed_and_written_atomically(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = f.png(20, 20)
    digest = store.put(data)
    assert store.put(data) == digest  # the same bytes are stored once
    path = store.path_for(digest)
    assert path == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == data and store.get(digest) == data
    assert store.files() == [path]  # no temporary file left behind
    assert store.get("0" * 64) is None
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_public_links_only_with_a_public_url(tmp_path: Path) -> None:
    configure(tmp_path, None)
    assert public_link("a" * 64, "x.png") is None
    configure(tmp_path, "https://desk.example.com/")
    assert (
        public_link("a" * 64, "Messe Visual?.png")
        == f"https://desk.example.com/files/{'a' * 64}/Messe_Visual_.png"
    )
