"""What a file really is, from its bytes (never its name), and whether we take it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from PIL import Image, UnidentifiedImageError

from bot.events import FileShared
from bot.orgconfig import IntakeConfig

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
LABELS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "application/pdf": "PDF",
}


def sniff(data: bytes) -> str | None:
    """The media type by magic number, or None when the bytes are none of the known kinds."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:12] == b"qt  " else "video/mp4"
    if data[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    return None


@dataclass(frozen=True)
class Accepted:
    media_type: str
    size: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Refused:
    """Why not, as a message key naming the limit, with its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


def human_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return (
                f"{value:.0f} {unit}"
                if value >= 10 or value.is_integer()
                else f"{value:.1f} {unit}"
            )
    return f"{size} B"


def allowed_labels(limits: IntakeConfig) -> str:
    return ", ".join(LABELS[t] for t in limits.allowed_types)


def examine(
    name: str, data: bytes, limits: IntakeConfig, *, declared_size: int | None = None
) -> Accepted | Refused:
    """Check size, type and (for images) pixels and that the bytes really decode.

    `declared_size` is given for a file that was not fetched whole (`complete=False`): what
    the platform said it weighs, or the bytes read before the limit cut it off. CPU-bound (an
    image is decoded): call it off the event loop, through `inspect` or `judge`."""
    too_big = _too_big(name, data, limits, declared_size)
    if too_big is not None:
        return too_big
    if not data:
        return Refused("intake.refused.empty", {"name": name})
    media_type = sniff(data)
    if media_type is None:
        return Refused("intake.refused.unknown", {"name": name, "allowed": allowed_labels(limits)})
    if media_type not in limits.allowed_types:
        return Refused(
            "intake.refused.type",
            {"name": name, "type": LABELS[media_type], "allowed": allowed_labels(limits)},
        )
    if media_type in IMAGE_TYPES:
        return _examine_image(name, data, media_type, limits)
    return Accepted(media_type, len(data))


def _too_big(
    name: str, data: bytes, limits: IntakeConfig, declared_size: int | None
) -> Refused | None:
    """Too big, in words that are true: a file cut off at the limit is "more than" it (the
    platform may have claimed 1 KB for it), one the platform called bigger is that big."""
    limit = human_size(limits.max_file_size)
    if declared_size is not None and declared_size > limits.max_file_size:
        return Refused(
            "intake.refused.too_big",
            {"name": name, "size": human_size(declared_size), "max": limit},
        )
    if declared_size is not None:
        return Refused("intake.refused.too_big_cut", {"name": name, "max": limit})
    if len(data) > limits.max_file_size:
        return Refused(
            "intake.refused.too_big",
            {"name": name, "size": human_size(len(data)), "max": limit},
        )
    return None


def _examine_image(
    name: str, data: bytes, media_type: str, limits: IntakeConfig
) -> Accepted | Refused:
    """The dimensions from the header first (Pillow opens lazily): an image with too many
    pixels is refused before it is decoded, since a small PNG can decode into gigabytes."""
    damaged = Refused("intake.refused.damaged", {"name": name, "type": LABELS[media_type]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > limits.max_pixels:
                return Refused(
                    "intake.refused.pixels",
                    {
                        "name": name,
                        "megapixels": megapixels(width * height),
                        "width": width,
                        "height": height,
                        "max": megapixels(limits.max_pixels),
                    },
                )
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Image.DecompressionBombError:
        return Refused(
            "intake.refused.pixels_unknown",
            {"name": name, "max": megapixels(limits.max_pixels)},
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return damaged
    return Accepted(media_type, len(data), width, height)


def megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    if value >= 10 or value.is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def judge(file: FileShared, limits: IntakeConfig) -> Accepted | Refused:
    """Whether intake takes this file (CPU-bound: see `inspect`)."""
    if not file.fetched:
        key = _NOT_FETCHED.get(file.reason, "intake.refused.unreachable")
        return Refused(key, {"name": file.name})
    return examine(file.name, file.data, limits, declared_size=None if file.complete else file.size)


_NOT_FETCHED = {"host": "intake.refused.host", "pasted": "intake.refused.pasted"}


@dataclass(frozen=True)
class Inspected(FileShared):
    """A file with intake's verdict on it, reached before the engine's transaction."""

    verdict: Accepted | Refused | None = field(default=None, compare=False)


async def inspect(files: Sequence[FileShared], limits: IntakeConfig) -> tuple[FileShared, ...]:
    """Decode and measure the files off the event loop, before the engine's transaction: an
    inbox worker calls this on what `ChatPlatform.fetch_files` returned and puts the result in
    the event's `files`; intake then only reads the verdicts."""
    out: list[FileShared] = []
    for file in files:
        verdict = await asyncio.to_thread(judge, file, limits)
        values = {f.name: getattr(file, f.name) for f in fields(FileShared)}
        out.append(Inspected(**values, verdict=verdict))
    return tuple(out)
