"""A file server of the tests' own on any loopback address: stands in for a platform's file
host (127.0.0.1, allowed by configuration) or for an address the bot must never call
(127.0.0.2, say an internal service)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FileHost:
    """A tiny file server on a loopback address: serves `files`, redirects `/go?to=URL`,
    answers 401 to `/private/…` without a Bearer token, and records every request."""

    address: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)
    url: str = ""
    origin: str = ""
    _runner: web.AppRunner | None = None

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, request.headers.get("Authorization", "")))
        if request.path == "/go":
            raise web.HTTPFound(request.query["to"])
        name = request.path.rsplit("/", 1)[-1]
        if request.path.startswith("/private/") and not request.headers.get(
            "Authorization", ""
        ).startswith("Bearer "):
            return web.Response(status=401)
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"{self.address}:{port}"
        self.url = f"http://{self.origin}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
