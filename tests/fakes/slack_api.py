"""A fake Slack Web API on loopback: records every call, answers like Slack, fails on request.

slack_sdk is pointed at it through SLACK_API_URL; response_urls point at it too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int
    channel: str | None = None  # only calls into this channel fail (None: every call)


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    updates: list[dict[str, Any]] = field(default_factory=list)


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_urls
        self.messages: dict[tuple[str, str], Posted] = {}
        self.users: dict[str, str] = {}  # email -> user id
        self.failures: dict[str, list[Failure]] = {}
        # Channels made with conversations.create: id -> name, privacy, invited members.
        self.channels: dict[str, dict[str, Any]] = {}
        self.taken_names: set[str] = set()
        self.views: list[dict[str, Any]] = []  # modals opened with views.open, newest last
        self.homes: dict[str, list[dict[str, Any]]] = {}  # views.publish: user -> views, in order
        # Files users shared (served at url_private with the bot token), and who fetched them.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: list[tuple[str, str]] = []  # (file id, Authorization header)
        self.ephemerals: list[dict[str, Any]] = []  # chat.postEphemeral bodies
        # The workspace's directory (users.list, paged) and user groups (with their "users").
        self.members: list[dict[str, Any]] = []
        self.usergroups: list[dict[str, Any]] = []
        # method -> the scope Slack says is `needed` (answered with missing_scope).
        self.scopes_missing: dict[str, str] = {}
        # An outage: every Web API call answers this status, or (0) the connection is dropped
        # without an answer; None: Slack is up.
        self.outage: int | None = None
        # A rate limit like Slack's: at most this many calls per method per second, 429 beyond.
        self.rate_limits: dict[str, int] = {}
        self.delay = 0.0  # seconds each Web API call takes before Slack answers
        self._windows: dict[str, tuple[int, int]] = {}  # method -> (second, calls in it)
        self.url = ""
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # --- test controls -----------------------------------------------------------------
    def add_user(self, user_id: str, email: str) -> None:
        self.users[email.lower()] = user_id

    def add_member(
        self,
        user_id: str,
        name: str,
        email: str | None,
        *,
        deleted: bool = False,
        bot: bool = False,
        tz: str = "Europe/Berlin",
    ) -> None:
        """A workspace member as users.list lists them (`email` None: hidden, as without
        the users:read.email scope)."""
        profile: dict[str, Any] = {"real_name": name}
        if email is not None:
            profile["email"] = email
        self.members.append(
            {
                "id": user_id,
                "name": name.lower(),
                "real_name": name,
                "deleted": deleted,
                "is_bot": bot,
                "tz": tz,
                "profile": profile,
            }
        )

    def add_usergroup(self, group_id: str, handle: str, name: str, users: list[str]) -> None:
        self.usergroups.append({"id": group_id, "handle": handle, "name": name, "users": users})

    def lack_scope(self, method: str, needed: str) -> None:
        """Calls to `method` answer missing_scope, naming `needed`, as for a token without it."""
        self.scopes_missing[method] = needed

    def fail(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        self.failures.setdefault(method, []).append(Failure(status, retry_after, times, channel))

    def limit_rate(self, method: str, per_second: int) -> None:
        self.rate_limits[method] = per_second

    def take_name(self, name: str) -> None:
        """conversations.create with this name answers name_taken, as for an existing channel."""
        self.taken_names.add(name)

    def channel_named(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.channels.values() if c["name"] == name), None)

    def posts_in(self, channel: str) -> list[Posted]:
        return [m for m in self.messages.values() if m.channel == channel]

    def add_file(
        self, file_id: str, name: str, data: bytes, mimetype: str = "", size: int | None = None
    ) -> dict[str, Any]:
        """A file a user shared: the `files[]` entry of the message event that brings it.
        `size` lets a test claim another size than the bytes have (Slack reports it)."""
        self.files[file_id] = (name, data)
        url = f"{self.url}/files-pri/T0BEISPIEL-{file_id}/{name}"
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "size": len(data) if size is None else size,
            "url_private": url,
            "url_private_download": url + "?download=1",
        }

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def dms_to(self, user_id: str) -> list[Posted]:
        return [m for m in self.messages.values() if m.channel == f"D{user_id}"]

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/response/{name}"

    # --- server -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/files-pri/{team_file}/{name}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "GET":
            pass
        elif request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(await request.post())
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.outage == 0:
            request.transport.close()  # type: ignore[union-attr]  # no answer at all
            return web.Response(status=500)
        if self.outage is not None:
            return web.json_response({"ok": False, "error": "fatal_error"}, status=self.outage)
        if self._over_limit(method):
            body = {"ok": False, "error": "ratelimited"}
            return web.json_response(body, status=429, headers={"Retry-After": "1"})
        failure = self._take_failure(method, params.get("channel"))
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            body = {"ok": False, "error": "ratelimited" if failure.status == 429 else "fatal_error"}
            return web.json_response(body, status=failure.status, headers=headers)
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.json_response({"ok": False, "error": "not_authed"})
        if method in self.scopes_missing:
            needed = self.scopes_missing[method]
            return web.json_response({"ok": False, "error": "missing_scope", "needed": needed})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(params))

    def _over_limit(self, method: str) -> bool:
        limit = self.rate_limits.get(method)
        if limit is None:
            return False
        second = int(time.monotonic())
        window, calls = self._windows.get(method, (second, 0))
        calls = calls + 1 if window == second else 1
        self._windows[method] = (second, calls)
        return calls > limit

    def _take_failure(self, method: str, channel: str | None) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue or (queue[0].channel is not None and queue[0].channel != channel):
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    async def _file(self, request: web.Request) -> web.Response:
        """Like files.slack.com: only with the bot token, otherwise Slack's login page."""
        file_id = request.match_info["team_file"].split("-", 1)[-1]
        auth = request.headers.get("Authorization", "")
        self.downloads.append((file_id, auth))
        if auth != "Bearer xoxb-test":
            return web.Response(status=302, headers={"Location": f"{self.url}/login"})
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_url"] = request.match_info["name"]
        self.responses.append(body)
        return web.Response(text="ok")

    # --- methods --------------------------------------------------------------------------
    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://beispiel.slack.com/",
            "team": "Beispiel",
            "user": "socialdesk",
            "team_id": "T0BEISPIEL",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": f"D{params['users']}"}}

    def _conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params["name"])
        if name in self.taken_names:
            return {"ok": False, "error": "name_taken"}
        self.taken_names.add(name)
        channel_id = f"C{len(self.channels) + 1:04d}{name[:8].upper().replace('-', '')}"
        private = str(params.get("is_private", "false")).lower() in ("1", "true")
        self.channels[channel_id] = {"id": channel_id, "name": name, "is_private": private}
        self.channels[channel_id]["members"] = []
        return {"ok": True, "channel": {"id": channel_id, "name": name, "is_private": private}}

    def _conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_user"}
        channel["members"].extend(u for u in users if u not in channel["members"])
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"]}}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        channel = params["channel"]
        self.messages[(channel, ts)] = Posted(
            channel, ts, params.get("text", ""), params.get("blocks") or []
        )
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        posted = self.messages.get((params["channel"], params["ts"]))
        if posted is None:
            return {"ok": False, "error": "message_not_found"}
        posted.updates.append(params)
        posted.text, posted.blocks = params.get("text", ""), params.get("blocks") or []
        return {"ok": True, "channel": posted.channel, "ts": posted.ts}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self.ephemerals.append(params)
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        view["id"] = f"V{len(self.views) + 1:04d}"
        view["hash"] = f"{len(self.views) + 1}.hash"
        view["_trigger_id"] = params.get("trigger_id")
        self.views.append(view)
        return {"ok": True, "view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        user = str(params.get("user_id", ""))
        view["id"] = f"VH{user}"  # a user's Home keeps its view id
        self.homes.setdefault(user, []).append(view)
        return {"ok": True, "view": view}

    def _users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = self.users.get(str(params["email"]).lower())
        if user_id is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": user_id, "profile": {"email": params["email"]}}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        for email, user_id in self.users.items():
            if user_id == params["user"]:
                return {"ok": True, "user": {"id": user_id, "profile": {"email": email}}}
        return {"ok": False, "error": "user_not_found"}

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """Paged like Slack: `limit` per page (at most 200 honoured), an opaque cursor."""
        limit = min(int(params.get("limit") or 100), 200)
        cursor = str(params.get("cursor") or "")
        start = int(cursor.removeprefix("page:")) if cursor.startswith("page:") else 0
        page = self.members[start : start + limit]
        after = start + limit
        cursor = f"page:{after}" if after < len(self.members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        groups = [{k: v for k, v in g.items() if k != "users"} for g in self.usergroups]
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        group = next((g for g in self.usergroups if g["id"] == params.get("usergroup")), None)
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group["users"])}
