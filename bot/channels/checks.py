"""Does a submission fit its target channels? Length, @handles, hashtag walls, links, images.

Pure functions over the organisation file's channel registry: the same findings are shown to the
submitter on the draft and to every approver on the card. Findings advise; on a channel with
`strict: true` they block the submission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.orgconfig import ChannelConfig, ImageRules, OrgConfig

_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_]{1,30})\b")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_LINK = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


@dataclass(frozen=True)
class ImageInfo:
    """An attached image as the checks need it (dimensions read from the bytes)."""

    name: str
    width: int
    height: int


@dataclass(frozen=True)
class Finding:
    """One problem on one channel; `key` and `params` render it in the reader's language."""

    channel: str
    key: str
    params: dict[str, object] = field(default_factory=dict)
    blocking: bool = False


def channel(org: OrgConfig, channel_id: str) -> ChannelConfig | None:
    return next((c for c in org.channels if c.id == channel_id), None)


def parse_channels(org: OrgConfig, text: str) -> tuple[list[str], list[str]]:
    """`linkedin, x` or `LinkedIn X` → (known ids, unknown words), matched by id or name."""
    known: list[str] = []
    unknown: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip()):
        if not word:
            continue
        found = next(
            (c for c in org.channels if word.lower() in (c.id.lower(), c.name.lower())), None
        )
        if found is None:
            unknown.append(word)
        elif found.id not in known:
            known.append(found.id)
    return known, unknown


def texts_in_use(channel_ids: Sequence[str], channel_texts: Mapping[str, str]) -> dict[str, str]:
    """The channel texts that go out: those of the target channels, blank ones left out."""
    return {c: channel_texts[c] for c in channel_ids if (channel_texts.get(c) or "").strip()}


def check(
    org: OrgConfig,
    channel_ids: Sequence[str],
    text: str,
    images: Iterable[ImageInfo] = (),
    channel_texts: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Each channel is checked on the text that goes out there: its own text where it has
    one (`channel_texts`, by channel id), else the main text."""
    images = list(images)
    findings: list[Finding] = []
    for channel_id in channel_ids:
        cfg = channel(org, channel_id)
        if cfg is not None:
            own = (channel_texts or {}).get(channel_id) or text
            findings.extend(check_channel(cfg, own, images))
    return findings


def check_channel(cfg: ChannelConfig, text: str, images: Sequence[ImageInfo]) -> list[Finding]:
    out: list[Finding] = []

    def add(key: str, **params: object) -> None:
        out.append(Finding(cfg.name, key, {"channel": cfg.name, **params}, cfg.strict))

    length = len(text.strip())
    if cfg.max_length is not None and length > cfg.max_length:
        add("channels.finding.too_long", length=length, max=cfg.max_length)
    rules = cfg.rules
    handles = _HANDLE.findall(text)
    if rules.handles == "avoid" and handles:
        add("channels.finding.handles", handles=", ".join(f"@{h}" for h in dict.fromkeys(handles)))
    hashtags = _HASHTAG.findall(text)
    if rules.max_hashtags is not None and len(hashtags) > rules.max_hashtags:
        add("channels.finding.hashtag_wall", count=len(hashtags), max=rules.max_hashtags)
    if rules.links == "avoid" and _LINK.search(text):
        add("channels.finding.links")
    if rules.image is not None:
        for image in images:
            out.extend(_image_findings(cfg, rules.image, image))
    return out


def _image_findings(cfg: ChannelConfig, rules: ImageRules, image: ImageInfo) -> list[Finding]:
    out: list[Finding] = []
    base = {"channel": cfg.name, "name": image.name, "size": f"{image.width}×{image.height}"}
    too_narrow = rules.min_width is not None and image.width < rules.min_width
    too_low = rules.min_height is not None and image.height < rules.min_height
    if too_narrow or too_low:
        minimum = f"{rules.min_width or '?'}×{rules.min_height or '?'}"
        if rules.min_height is None:
            minimum = f"{rules.min_width} px"
        out.append(
            Finding(cfg.name, "channels.finding.image_small", {**base, "min": minimum}, cfg.strict)
        )
    if rules.aspect_ratios and image.height > 0:
        actual = image.width / image.height
        if not any(
            abs(actual - _ratio(r)) <= rules.ratio_tolerance * _ratio(r)
            for r in rules.aspect_ratios
        ):
            out.append(
                Finding(
                    cfg.name,
                    "channels.finding.image_ratio",
                    {**base, "ratio": f"{actual:.2f}:1", "allowed": ", ".join(rules.aspect_ratios)},
                    cfg.strict,
                )
            )
    return out


def _ratio(text: str) -> float:
    width, height = text.split(":")
    return float(width) / float(height)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]
