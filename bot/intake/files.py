"""What a file really is, from its bytes (never its name), and whether we take it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

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
    """Check size, type and (for images) that the bytes really decode; read the dimensions.

    `declared_size` is what the platform said, for a file too big to have been fetched whole."""
    size = max(len(data), declared_size or 0)
    if size > limits.max_file_size:
        return Refused(
            "intake.refused.too_big",
            {"name": name, "size": human_size(size), "max": human_size(limits.max_file_size)},
        )
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
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            OSError,
            SyntaxError,
            ValueError,
        ):
            return Refused("intake.refused.damaged", {"name": name, "type": LABELS[media_type]})
        return Accepted(media_type, len(data), width, height)
    return Accepted(media_type, len(data))
