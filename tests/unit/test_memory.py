"""The server fixes glibc's malloc thresholds so that freed memory goes back to the system,
even after a large block freed earlier would have raised them (what a long-running server
does all day)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import memory

ROOT = Path(__file__).resolve().parents[2]

# A 4 MB block, freed, raises glibc's thresholds; then 50 MB in 256 KB blocks, every other
# one freed. Printed: the MB the process gave back.
SCRIPT = """
import sys
from bot import memory
if sys.argv[1] == "fixed":
    memory.keep_heap_trimmed()
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
big = bytearray(4 * 1024 * 1024)
del big
blocks = [bytearray(256 * 1024) for _ in range(200)]
before = rss()
del blocks[::2]
print(round(before - rss()))
"""


def _given_back(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(result.stdout)


@pytest.mark.skipif(
    not memory.on_glibc(), reason="glibc's mallopt: elsewhere the call does nothing"
)
def test_freed_memory_goes_back_to_the_system() -> None:
    assert _given_back("fixed") >= 20  # half of the 50 MB
    assert _given_back("glibc's own") < 5  # the thresholds rose: the heap keeps it
