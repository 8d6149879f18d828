"""Thumbnails of attached images, scaled on the server with Pillow and kept on disk beside the
blobs (`thumbs/ab/<sha256>-<size>.webp` under the data dir): a page with twenty visuals sends
twenty small pictures, and each is made once, not per request.

Only images the blob store holds are scaled; a file that is not an image (or is broken) is a
404 like any unknown file. Intake already refused images above `max_pixels` from their header,
and Pillow's own decompression-bomb limit stays on for anything else.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from aiohttp import web
from PIL import Image, UnidentifiedImageError

from adapters.web.board.context import Viewer
from storage import blobs

SIZE = 320  # the longer side, in pixels: sharp at twice the size the page shows it
_HEX = frozenset("0123456789abcdef")


async def thumbnail(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """GET /board/thumbs/{sha256}: the image scaled to fit SIZE×SIZE, as WebP."""
    sha256 = request.match_info["sha256"]
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise web.HTTPNotFound()
    store = blobs.store()
    target = cached_path(store.root, sha256)
    if not target.is_file():
        if not store.exists(sha256):
            raise web.HTTPNotFound()
        made = await asyncio.to_thread(make, store.path_for(sha256), target)
        if not made:
            raise web.HTTPNotFound()
    return web.FileResponse(
        target,
        headers={
            "Content-Type": "image/webp",
            "Cache-Control": "private, max-age=604800, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


def cached_path(root: Path, sha256: str) -> Path:
    return root / "thumbs" / sha256[:2] / f"{sha256}-{SIZE}.webp"


def make(source: Path, target: Path) -> bool:
    """Scale `source` into `target` (written under a temporary name, then renamed, so two
    replicas making the same thumbnail end with one intact file). False: not an image."""
    try:
        with Image.open(source) as image:
            image.draft("RGB", (SIZE, SIZE))  # JPEG: decode at a reduced scale already
            image.thumbnail((SIZE, SIZE))
            out = io.BytesIO()
            image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(
                out, "WEBP", quality=80
            )
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False
    blobs.write_atomically(target, out.getvalue())
    return True
