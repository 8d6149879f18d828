"""The key that signs board sessions (SOCIALDESK_SECRET_KEY), or a local one on loopback.

On a loopback address without SOCIALDESK_SECRET_KEY (a developer's `serve`), a random key is
kept in the data directory, so sessions survive a restart there; a server others reach must
be given its key: `socialdesk serve` refuses to start without one (bot/cli.py).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)
KEY_FILE = "board-secret.key"
MIN_LENGTH = 16


def secret_key(configured: str | None, data_dir: Path, *, loopback: bool) -> bytes | None:
    """The key to sign with; None where the board must stay off (not loopback, no key)."""
    if configured:
        if len(configured) < MIN_LENGTH:
            log.warning(
                "SOCIALDESK_SECRET_KEY is shorter than %d characters: board sessions are easy "
                "to forge with it; use e.g. 32 random bytes (secrets.token_urlsafe(32))",
                MIN_LENGTH,
            )
        return configured.encode()
    if not loopback:
        return None
    path = data_dir / KEY_FILE
    try:
        key = _kept_key(path)
    except OSError as exc:  # a read-only data directory: sessions end with the process
        log.warning("cannot keep a board key in %s (%s): using one for this process", path, exc)
        key = secrets.token_urlsafe(32)
    log.warning(
        "SOCIALDESK_SECRET_KEY is not set: board sessions are signed with a local key (%s); "
        "set SOCIALDESK_SECRET_KEY before serving beyond this machine",
        path,
    )
    return key.encode()


def _kept_key(path: Path) -> str:
    """The key stored in the data directory, made (readable by this user only) if missing."""
    if path.is_file() and len(stored := path.read_text(encoding="ascii").strip()) >= MIN_LENGTH:
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key
