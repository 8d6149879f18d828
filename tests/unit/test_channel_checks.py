"""A submission against the channel registry: findings advise, strict channels block."""

from __future__ import annotations

import pytest
import yaml

from bot import i18n
from bot.channels.checks import ImageInfo, blocking, check, parse_channels
from bot.channels.views import finding_lines
from bot.orgconfig import ConfigError, OrgConfig, load_config, parse_config
from tests.conftest import EXAMPLE_CONFIG


@pytest.fixture
def org() -> OrgConfig:
    return load_config(EXAMPLE_CONFIG)


def keys(findings: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f.channel, f.key.rsplit(".", 1)[1]) for f in findings]


def test_a_fitting_post_has_no_findings(org: OrgConfig) -> None:
    text = "Wir sind auf der Messe in Köln! #messe"
    assert check(org, ["linkedin", "instagram", "x"], text, [ImageInfo("a.png", 1200, 1200)]) == []


def test_too_long_for_x_blocks_because_x_is_strict(org: OrgConfig) -> None:
    findings = check(org, ["linkedin", "x"], "a" * 300)
    assert keys(findings) == [("X", "too_long")]
    assert blocking(findings) == findings
    assert finding_lines(lambda k, **p: i18n.t("de", k, **p), findings) == [
        "⛔ X: 300 Zeichen, erlaubt sind 280."
    ]


def test_handles_and_hashtag_walls_cross_posted_to_linkedin_advise(org: OrgConfig) -> None:
    text = "Danke @messekoeln und @bigboss! #a #b #c #d #e #f mail: info@beispiel.de"
    findings = check(org, ["linkedin"], text)
    assert keys(findings) == [("LinkedIn", "handles"), ("LinkedIn", "hashtag_wall")]
    assert blocking(findings) == []
    lines = finding_lines(lambda k, **p: i18n.t("en", k, **p), findings)
    assert "@messekoeln, @bigboss" in lines[0]  # the e-mail address is no handle
    assert lines[1] == "⚠️ LinkedIn: 6 hashtags read as a hashtag wall; at most 5 is usual."


def test_links_on_instagram(org: OrgConfig) -> None:
    assert keys(check(org, ["instagram"], "Mehr unter https://beispiel.de/messe")) == [
        ("Instagram", "links")
    ]


def test_images_too_small_or_off_ratio(org: OrgConfig) -> None:
    small_square = ImageInfo("klein.png", 600, 600)
    panorama = ImageInfo("pano.jpg", 3000, 1000)
    findings = check(org, ["linkedin"], "Text", [small_square, panorama])
    assert keys(findings) == [("LinkedIn", "image_small"), ("LinkedIn", "image_ratio")]
    text = finding_lines(lambda k, **p: i18n.t("de", k, **p), findings)
    assert text[0] == "⚠️ LinkedIn: Bild klein.png ist mit 600×600 zu klein (mindestens 1200 px)."
    assert "3.00:1" in text[1] and "1.91:1, 1:1, 4:5" in text[1]


def test_ratio_tolerance_accepts_near_misses(org: OrgConfig) -> None:
    assert check(org, ["linkedin"], "Text", [ImageInfo("og.png", 1200, 628)]) == []


def test_channels_are_chosen_by_id_or_name(org: OrgConfig) -> None:
    assert parse_channels(org, "LinkedIn, x;instagram x") == (["linkedin", "x", "instagram"], [])
    assert parse_channels(org, "linkedin tiktok") == (["linkedin"], ["tiktok"])


def test_the_org_file_reports_channel_problems_by_path(org: OrgConfig) -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["channels"][1]["id"] = "linkedin"
    raw["channels"][2]["rules"]["image"]["aspect_ratios"] = ["16x9"]
    raw["intake"]["max_file_size"] = "viel"
    raw["intake"]["allowed_types"] = ["image/png", "application/zip"]
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    problems = "\n".join(err.value.problems)
    assert "channels[2].rules.image.aspect_ratios: invalid aspect ratio '16x9'" in problems
    assert "intake.max_file_size: invalid size 'viel'" in problems
    assert "intake.allowed_types: unknown file type 'application/zip'" in problems
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["channels"][1]["id"] = "linkedin"
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    assert err.value.problems == ["channels[1].id: duplicate 'linkedin'"]
