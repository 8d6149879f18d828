"""A fake Bot Framework connector on loopback, and a client that talks to the bot as Teams does.

The bot's replies, proactive messages and card updates land here (the activities' serviceUrl
points at it); it records them, answers member look-ups, opens 1:1 chats, and can answer 429
with Retry-After or a 5xx on request. The client posts activities to the bot's real
/api/messages the way the Bot Framework Emulator does: plain JSON, no token.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = "28:socialdesk-bot"
TENANT = "tenant-beispiel"
CARD = "application/vnd.microsoft.card.adaptive"
# Teams refuses an activity whose JSON is bigger than about 28 KB: 413 MessageSizeTooBig.
MAX_ACTIVITY_BYTES = 28_000


@dataclass
class Sent:
    """One activity the bot sent into a conversation, with the updates it got later."""

    conversation_id: str
    id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0  # bytes of the request body, as Teams would measure it

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                content: dict[str, Any] = attachment["content"]
                return content
        return None

    @property
    def text(self) -> str:
        """Everything a person reads: the message text, or every text on the card."""
        card = self.card
        if card is None:
            return str(self.activity.get("text") or "")
        return card_texts(card)

    @property
    def buttons(self) -> dict[str, str]:
        """action -> value of every Action.Submit button on the card."""
        card = self.card or {}
        return {
            a["data"]["action"]: a["data"].get("value", "")
            for a in card.get("actions", [])
            if a.get("type") == "Action.Submit"
        }


def card_texts(card: dict[str, Any]) -> str:
    out: list[str] = []
    body = card.get("body", [])
    # A Container (a decided card's coloured headline) is read as its items, in place.
    flat = [i for e in body for i in (e["items"] if e.get("type") == "Container" else [e])]
    for element in flat:
        if element.get("type") == "TextBlock":
            out.append(element["text"])
        elif element.get("type") == "RichTextBlock":
            out.append("".join(run["text"] for run in element["inlines"]))
        elif element.get("type") == "FactSet":
            out.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
        elif element.get("label"):
            out.append(element["label"])
    out.extend(a.get("title", "") for a in card.get("actions", []))
    return "\n".join(out)


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int


class FakeTeamsConnector:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.members: dict[str, dict[str, Any]] = {}  # user id -> member profile
        self.created: list[dict[str, Any]] = []  # POST /v3/conversations bodies
        self.requests: list[tuple[str, str]] = []
        self.failures: list[Failure] = []
        # Sends the connector takes in but does not answer for a while (then a 503), and how
        # many of those are still waiting for their answer.
        self.silences: list[float] = []
        self.unanswered = 0
        # Activities refused as too big (conversation id, bytes), as real Teams refuses them.
        self.too_big: list[tuple[str, int]] = []
        # Files a user sent in personal chat, behind pre-authenticated download URLs.
        self.files: dict[str, bytes] = {}
        self.url = ""
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # --- test controls ----------------------------------------------------------------------
    def add_member(self, user_id: str, name: str, email: str) -> None:
        self.members[user_id] = {
            "id": user_id,
            "name": name,
            "email": email,
            "userPrincipalName": email,
            "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, user_id)),
            "tenantId": TENANT,
        }

    def add_file(self, name: str, data: bytes) -> dict[str, Any]:
        """The attachment Teams puts on a message that carries a file (file.download.info)."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = data
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "contentUrl": f"https://beispiel.sharepoint.com/personal/{name}",
            "content": {
                "downloadUrl": f"{self.url}download/{file_id}?tempauth=x",
                "uniqueId": file_id,
                "fileType": name.rsplit(".", 1)[-1],
            },
        }

    async def _download(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["fid"])
        if data is None or request.query.get("tempauth") != "x":
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def fail(self, status: int = 429, retry_after: int | None = 1, times: int = 1) -> None:
        """The next `times` sends or updates are refused with `status`."""
        self.failures.append(Failure(status, retry_after, times))

    def go_silent(self, seconds: float) -> None:
        """The next send gets no answer for `seconds` (a hung connector), then a 503."""
        self.silences.append(seconds)

    def to(self, user_id: str) -> list[Sent]:
        """What the bot posted into this person's 1:1 chat."""
        return [s for s in self.sent if s.conversation_id == personal_chat(user_id)]

    def in_conversation(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    # --- server -------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create_conversation)
        app.router.add_post(base + "/{cid}/activities", self._send)
        app.router.add_post(base + "/{cid}/activities/{reply_to}", self._send)
        app.router.add_put(base + "/{cid}/activities/{aid}", self._update)
        app.router.add_get(base + "/{cid}/members/{mid}", self._member)
        app.router.add_get("/v3/teams/{tid}/members/{mid}", self._member)
        app.router.add_get("/download/{fid}", self._download)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _failure(self) -> web.Response | None:
        if not self.failures:
            return None
        failure = self.failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self.failures.pop(0)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        body = {"error": {"code": "Throttled" if failure.status == 429 else "ServiceError"}}
        return web.json_response(body, status=failure.status, headers=headers)

    async def _too_big(self, request: web.Request) -> web.Response | None:
        size = len(await request.read())
        if size <= MAX_ACTIVITY_BYTES:
            return None
        self.too_big.append((request.match_info["cid"], size))
        body = {"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}}
        return web.json_response(body, status=413)

    async def _send(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        if self.silences:
            self.unanswered += 1
            await asyncio.sleep(self.silences.pop(0))
            self.unanswered -= 1
            return web.json_response({"error": {"code": "ServiceError"}}, status=503)
        failure = self._failure() or await self._too_big(request)
        if failure is not None:
            return failure
        activity = await request.json()
        sent = Sent(
            conversation_id=request.match_info["cid"],
            id=f"activity-{next(self._ids)}",
            activity=activity,
            reply_to=request.match_info.get("reply_to"),
            size=len(await request.read()),
        )
        self.sent.append(sent)
        return web.json_response({"id": sent.id})

    async def _update(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        failure = self._failure() or await self._too_big(request)
        if failure is not None:
            return failure
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        target = next((s for s in self.sent if s.conversation_id == cid and s.id == aid), None)
        if target is None:
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        activity = await request.json()
        target.updates.append(activity)
        target.activity = activity
        return web.json_response({"id": aid})

    async def _member(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        member = self.members.get(request.match_info["mid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        body = await request.json()
        self.created.append(body)
        members = body.get("members") or []
        if len(members) != 1 or not members[0].get("id"):
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        return web.json_response({"id": personal_chat(members[0]["id"])})


def personal_chat(user_id: str) -> str:
    return f"a:dm-{user_id}"


class TeamsClient:
    """Posts activities to the bot's /api/messages as the Bot Framework Emulator does."""

    def __init__(self, bot_url: str, service_url: str) -> None:
        self.url = f"{bot_url}/api/messages"
        self.service_url = service_url
        self._seq = itertools.count(1)

    def activity(
        self,
        user_id: str,
        name: str = "",
        *,
        conversation_id: str | None = None,
        conversation_type: str = "personal",
        **fields: Any,
    ) -> dict[str, Any]:
        n = next(self._seq)
        return {
            "type": "message",
            "id": f"in-{n}-{uuid.uuid4().hex[:8]}",
            "timestamp": datetime.now(UTC).isoformat(),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user_id, "name": name or user_id},
            "recipient": {"id": BOT_ID, "name": "socialdesk"},
            "conversation": {
                "id": conversation_id or personal_chat(user_id),
                "conversationType": conversation_type,
                "isGroup": conversation_type != "personal",
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "de-DE",
            **fields,
        }

    async def post(
        self, activity: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, json=activity, headers=headers or {}) as resp,
        ):
            await resp.read()
            return resp

    async def say(self, user_id: str, text: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.post(self.activity(user_id, text=text, textFormat="plain", **kw))

    async def click(
        self, user_id: str, action: str, value: str, *, reply_to: str | None = None, **inputs: str
    ) -> aiohttp.ClientResponse:
        """An Action.Submit: Teams sends the button's data (plus any inputs) as `value`."""
        data = {"action": action, "value": value, **inputs}
        fields: dict[str, Any] = {"value": data}
        if reply_to:
            fields["replyToId"] = reply_to
        return await self.post(self.activity(user_id, **fields))

    async def install(self, user_id: str, name: str = "") -> aiohttp.ClientResponse:
        """The person adds the bot: conversationUpdate with the bot among membersAdded."""
        activity = self.activity(user_id, name)
        activity["type"] = "conversationUpdate"
        activity["membersAdded"] = [{"id": BOT_ID, "name": "socialdesk"}]
        activity["channelData"]["eventType"] = "teamMemberAdded"
        return await self.post(activity)
