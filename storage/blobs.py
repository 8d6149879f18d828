"""Content-addressed file storage under SOCIALDESK_DATA_DIR: `blobs/ab/cd/abcd…` by SHA-256.

A file is written to a temporary name in the same directory and renamed into place, so a reader
never sees half a file and two replicas storing the same bytes end with one intact copy. The
same bytes are stored once however often they are sent.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
_HEX = frozenset("0123456789abcdef")


def write_atomically(target: Path, data: bytes) -> None:
    """Readers (and replicas writing the same file) see the whole file or none of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise ValueError("not a sha256 hex digest")
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        write_atomically(target, data)
        return digest

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path_for(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path_for(sha256).is_file()
        except ValueError:
            return False

    def files(self) -> list[Path]:
        """Every stored blob (for tests and housekeeping)."""
        base = self.root / "blobs"
        return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


_store: BlobStore | None = None
_public_url: str | None = None


def configure(root: Path, public_url: str | None = None) -> BlobStore:
    """Called once by the composition root (bot/server.py) with the settings' data dir."""
    global _store, _public_url
    _store = BlobStore(root)
    _public_url = public_url.rstrip("/") if public_url else None
    if not _public_url:
        log.warning(
            "SOCIALDESK_PUBLIC_URL is not set: cards show no image previews and files cannot"
            " be opened from chat; set it to where chat users reach this server"
        )
    return _store


def has_public_url() -> bool:
    """Whether files can be linked at all (views say so on the card when not)."""
    return _public_url is not None


def public_url() -> str | None:
    """Where chat users reach this server (SOCIALDESK_PUBLIC_URL), for links to its pages."""
    return _public_url


def store() -> BlobStore:
    if _store is None:
        raise RuntimeError("blob store not configured (bot.server.create_app configures it)")
    return _store


def public_link(sha256: str, filename: str) -> str | None:
    """Where chat users can open the file: `{SOCIALDESK_PUBLIC_URL}/files/<sha256>/<name>`.

    The SHA-256 of the content is the capability: nobody without the file can guess it."""
    if not _public_url:
        return None
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:100] or "file"
    return f"{_public_url}/files/{sha256}/{safe}"
