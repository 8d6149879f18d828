"""Real file bytes for intake tests, made with Pillow (no binary fixtures in the repo)."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image


def png(width: int = 1200, height: int = 628, color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 1080, height: int = 1080) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(out, "JPEG")
    return out.getvalue()


def webp(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "WEBP")
    return out.getvalue()


def gif(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("P", (width, height)).save(out, "GIF")
    return out.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 60
NOT_A_PNG = b"Hallo, ich bin eine Textdatei mit der Endung .png\n"
BROKEN_PNG = png()[:60]  # the PNG signature, then the file breaks off


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def png_bomb(width: int = 13_000, height: int = 13_000) -> bytes:
    """A valid black PNG of width × height pixels that is tiny on disk but decodes into
    width × height bytes (169 MB at the default): written row by row, so making it never holds
    the image in memory."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
