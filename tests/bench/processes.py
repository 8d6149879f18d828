"""Every server under test in its own OS process, and both sides of that boundary.

The bench process keeps the load generator and the fake Slack; socialdesk's replicas and the
bare bolt baseline each get a process of their own, so a replica's throughput is its own event
loop's, two replicas are two processes, and a memory figure is the bot's alone (read from
/proc/<pid>/status, no dependency needed).

A child prints `listening PORT` on stdout once its app has started, then serves until SIGTERM
or until its stdin closes — the bench process holds the other end, so a child never outlives
it, not even after a kill -9. The bench stops a child with SIGTERM to its process group, then
SIGKILL, whatever happened in the scenario. A child logs to stderr at ERROR, or at the level
in SOCIALDESK_BENCH_LOG.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0
STOP_SECONDS = 15.0


@dataclass(frozen=True)
class Child:
    pid: int
    url: str

    def rss_mb(self) -> float:
        """Resident memory now."""
        return _status_kb(self.pid, "VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        """The most resident memory the process ever had (the kernel's high-water mark)."""
        return _status_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time used so far (/proc/<pid>/stat, fields 14 and 15)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise LookupError(f"no {field} for process {pid}")


@contextlib.asynccontextmanager
async def spawn(module: str, env: dict[str, str], *args: str) -> AsyncIterator[Child]:
    """`python -m module args` with `env` on top of ours, once it is listening."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
        cwd=ROOT,
        start_new_session=True,  # its own process group: stopped as a whole
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), STARTUP_SECONDS)
        if not line.startswith(b"listening "):
            code = await asyncio.wait_for(proc.wait(), STOP_SECONDS)
            raise RuntimeError(f"{module} did not start (exit status {code}; see its stderr)")
        yield Child(proc.pid, f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        await _stop(proc)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the group (the app shuts down cleanly), SIGKILL if that is not enough."""
    if proc.stdin is not None:
        proc.stdin.close()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
            return
        except TimeoutError:
            continue


# --- the child's side ---------------------------------------------------------------------


def serve(build: Callable[[], web.Application]) -> None:
    """Run the app `build` makes (inside the event loop) on a free loopback port until
    SIGTERM or until stdin closes."""
    logging.basicConfig(level=os.environ.get("SOCIALDESK_BENCH_LOG", "ERROR"), stream=sys.stderr)
    asyncio.run(_serve(build))


async def _serve(build: Callable[[], web.Application]) -> None:
    runner = web.AppRunner(build(), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"listening {port}", flush=True)
        sys.stdout = sys.stderr  # nothing else may fill a pipe nobody reads
        await _until_told_to_stop()
    finally:
        await runner.cleanup()


async def _until_told_to_stop() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    closed = asyncio.create_task(stdin.read())  # b"" at EOF: the bench process is gone
    told = asyncio.create_task(stop.wait())
    await asyncio.wait({closed, told}, return_when=asyncio.FIRST_COMPLETED)
    closed.cancel()
    told.cancel()
