"""The bench's servers run in processes of their own; none may outlive the scenario that
started it, whether the scenario fails or the bench process itself is killed."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.bench.processes import ROOT, STOP_SECONDS, spawn


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "SOCIALDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/unused.db",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "SLACK_SIGNING_SECRET": "bench-secret",
    }


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_failing_scenario_leaves_no_server_behind(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="scenario failed"):
        async with spawn("tests.bench.bare", _env(tmp_path)) as child:
            pid = child.pid
            assert _running(pid) and child.rss_mb() > 0
            raise RuntimeError("scenario failed")
    assert not _running(pid)


async def test_a_server_stops_once_the_bench_process_is_gone(tmp_path: Path) -> None:
    """A kill -9 of the bench process closes the server's stdin: that alone stops it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.bare",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **_env(tmp_path)},
        cwd=ROOT,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        assert (await proc.stdout.readline()).startswith(b"listening ")
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), STOP_SECONDS) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
