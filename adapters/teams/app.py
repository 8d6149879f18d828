"""Teams in: botbuilder's CloudAdapter authenticates and parses, we translate into neutral events.

No feature logic here: a typed message becomes a `Command`, an Action.Submit becomes an
`Action`, the bot being installed (or a person added where it lives) becomes `Joined`.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from adapters.teams import ROUTE
from adapters.teams.platform import PLATFORM, TeamsPlatform, serialize_reference
from bot import metrics
from bot.engine import Engine, Unavailable
from bot.events import Action, Actor, Command, InboundEvent, Joined

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class _Config:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str | None
    APP_TYPE: str


class GuardedAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication, made strict at the edges.

    Authenticated: anything but a valid Bot Framework token is a PermissionError (401), also a
    token so malformed that the library would raise something else (500). Unauthenticated
    (local use): a stray Authorization header is ignored instead of validated remotely.
    """

    def __init__(self, inner: BotFrameworkAuthentication, *, required: bool) -> None:
        self._inner = inner
        self._required = required

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        if not self._required:
            return await self._inner.authenticate_request(activity, "")
        scheme, _, token = (auth_header or "").partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise PermissionError("no Bot Framework token")
        try:
            return await self._inner.authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as exc:
            log.warning("teams: token rejected (%s: %s)", type(exc).__name__, exc)
            raise PermissionError("invalid Bot Framework token") from exc

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        raise PermissionError("streaming connections are not supported")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())


def build_adapter(
    *, app_id: str | None, app_password: str | None, tenant_id: str | None
) -> CloudAdapter:
    config = _Config(
        APP_ID=app_id or "",
        APP_PASSWORD=app_password or "",
        APP_TENANTID=tenant_id,
        APP_TYPE="SingleTenant" if (app_id and tenant_id) else "MultiTenant",
    )
    inner = ConfigurationBotFrameworkAuthentication(config)
    return CloudAdapter(GuardedAuthentication(inner, required=bool(app_id)))


def clean_text(text: str | None) -> str:
    """What the person typed: without `<at>bot</at>` mentions, tags and HTML entities."""
    text = _MENTION.sub(" ", text or "")
    text = _TAG.sub(" ", text)
    return html.unescape(text).replace("\xa0", " ").strip()


def neutral_mentions(activity: Activity) -> tuple[str, dict[str, str]]:
    """Teams marks a mention as `<at>Ben Weber</at>` with an entity naming the user id: a
    person's becomes `@<user id>` for the engine (Command.mentions), the bot's disappears."""
    text = activity.text or ""
    mentions: dict[str, str] = {}
    for entity in activity.entities or []:
        data = entity.additional_properties or {}
        mentioned, marked = data.get("mentioned") or {}, data.get("text") or ""
        if entity.type != "mention" or not mentioned.get("id") or not marked:
            continue
        if mentioned["id"] == (activity.recipient.id if activity.recipient else None):
            continue
        mentions[mentioned["id"]] = str(mentioned.get("name") or "")
        text = text.replace(marked, f"@{mentioned['id']}", 1)
    return clean_text(text), mentions


class TeamsBot:
    """The turn handler: one activity in, at most one neutral event per person out."""

    def __init__(self, engine: Engine, platform: TeamsPlatform) -> None:
        self.engine = engine
        self.platform = platform
        self._emails: dict[str, str] = {}

    async def on_turn(self, turn: TurnContext) -> None:
        activity = turn.activity
        self.platform.learn(activity)
        if activity.type == ActivityTypes.message:
            await self._on_message(turn)
        elif activity.type == ActivityTypes.conversation_update:
            await self._on_members_added(turn)

    async def _on_message(self, turn: TurnContext) -> None:
        activity = turn.activity
        user = activity.from_property
        if user is None or not user.id or _is_bot(activity, user):
            return
        actor = await self._actor(turn, user)
        key = activity.id or f"teams:{uuid.uuid4()}"
        context = _reply_context(activity)
        event: InboundEvent
        value = activity.value
        if isinstance(value, dict) and value.get("action"):
            event = Action(
                actor=actor,
                event_key=key,
                reply_context=context,
                action=str(value["action"]),
                value=str(value.get("value", "")),
                inputs={
                    str(k): str(v)
                    for k, v in value.items()
                    if k not in ("action", "value", "msteams") and v is not None
                },
                reply_to=activity.reply_to_id,
            )
        else:
            text, mentions = neutral_mentions(activity)
            refs = tuple(_attachment_refs(activity))
            if not text and not refs:
                return
            event = Command(
                actor=actor,
                event_key=key,
                reply_context=context,
                text=text,
                file_refs=refs,
                reply_to=activity.reply_to_id,
                mentions=mentions,
            )
        await self._accept(turn, event)

    async def _on_members_added(self, turn: TurnContext) -> None:
        """The bot installed (welcome the installer), or a person added to a 1:1 chat."""
        activity = turn.activity
        added = list(activity.members_added or [])
        bot_added = any(_is_bot(activity, m) for m in added)
        people = [m for m in added if not _is_bot(activity, m)]
        if not _is_personal(activity):
            people = []  # in group chats and channels only the installer is greeted
        sender = activity.from_property
        if bot_added and sender and sender.id and not _is_bot(activity, sender):
            people.insert(0, sender)
        seen: set[str] = set()
        for member in people:
            if not member.id or member.id in seen:
                continue
            seen.add(member.id)
            actor = await self._actor(turn, member)
            joined = Joined(
                actor=actor,
                event_key=f"joined:{activity.id or uuid.uuid4()}:{member.id}",
                reply_context=_reply_context(activity),
            )
            await self._accept(turn, joined)

    async def _accept(self, turn: TurnContext, event: InboundEvent) -> None:
        """Recorded in the inbox before Teams gets its answer; when the database cannot take
        it, the person is told in this turn and Teams gets a 503."""
        try:
            await self.engine.accept(event)
        except Unavailable:
            await turn.send_activity(self.engine.unavailable_text())
            raise web.HTTPServiceUnavailable() from None

    async def _actor(self, turn: TurnContext, user: ChannelAccount) -> Actor:
        personal = _is_personal(turn.activity)
        ref = None
        if personal:
            reference = TurnContext.get_conversation_reference(turn.activity)
            reference.activity_id = None  # later messages start fresh, not as replies
            reference.user = user
            ref = serialize_reference(reference)
        return Actor(
            PLATFORM,
            user.id,
            email=await self._email(turn, user.id),
            name=user.name,
            conversation_ref=ref,
        )

    async def _email(self, turn: TurnContext, user_id: str) -> str | None:
        """The member's profile e-mail (GET …/members/{id}), remembered per user id."""
        if user_id in self._emails:
            return self._emails[user_id]
        try:
            member = await TeamsInfo.get_member(turn, user_id)
        except Exception as exc:
            log.info("teams: no profile for %s (%s); matching by teams_id only", user_id, exc)
            return None
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        if email and "@" in email:
            self._emails[user_id] = email
            return str(email)
        return None


def _attachment_refs(activity: Activity) -> list[dict[str, Any]]:
    """The attachments in Bot Framework's wire form; the inbox worker fetches what is a file
    (TeamsPlatform.fetch_files). Cards the bot itself sent back are not files."""
    refs = []
    for attachment in activity.attachments or []:
        wire = attachment.serialize() if hasattr(attachment, "serialize") else dict(attachment)
        if str(wire.get("contentType", "")).startswith("application/vnd.microsoft.card."):
            continue
        refs.append(wire)
    return refs


def _is_bot(activity: Activity, account: ChannelAccount) -> bool:
    return bool(activity.recipient and account.id == activity.recipient.id)


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    if conversation is None:
        return False
    if conversation.conversation_type:
        return bool(conversation.conversation_type == "personal")
    return not conversation.is_group  # the Emulator and Web Chat send no conversationType


def _reply_context(activity: Activity) -> dict[str, Any]:
    reference = TurnContext.get_conversation_reference(activity)
    return {"platform": PLATFORM, "conversation_ref": serialize_reference(reference)}


def _malformed(raw: bytes) -> str | None:
    """What botbuilder would answer with a 500: a body that is not a JSON object."""
    try:
        body = json.loads(raw)
    except ValueError:
        return "body is not JSON"
    if not isinstance(body, dict):
        return "body is not a JSON object"
    if not isinstance(body.get("type"), str):
        return "activity without a type"
    return None


def mount(
    app: web.Application,
    engine: Engine,
    *,
    app_id: str | None,
    app_password: str | None,
    tenant_id: str | None,
) -> TeamsPlatform:
    """Add POST /api/messages; without app id, the caller has checked that this is safe."""
    adapter = build_adapter(app_id=app_id, app_password=app_password, tenant_id=tenant_id)
    platform = TeamsPlatform(adapter, app_id or "")
    bot = TeamsBot(engine, platform)

    async def messages(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType()
        problem = _malformed(await request.read())
        if problem is not None:
            log.warning("teams: refused a request: %s", problem)
            raise web.HTTPBadRequest(reason=problem)
        response = await adapter.process(request, bot)
        metrics.ACK_SECONDS.labels(PLATFORM).observe(time.perf_counter() - started)
        return response or web.Response(status=201)

    app.router.add_post(ROUTE, messages)
    return platform
