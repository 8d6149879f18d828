"""Teams as a ChatPlatform: proactive sends through stored conversation references.

Every outbound message is proactive here (the outbox sends it after the turn has ended):
`continue_conversation` opens a turn on the stored reference, and the connector call inside
it is the one that can fail. Connector 429/5xx and network trouble mean "later"; any other
refusal is final.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import files as teams_files
from adapters.teams.hints import typed_in_teams
from adapters.teams.render import attachment, plain_text, summary
from bot.events import FileShared
from bot.messages import Message
from bot.outbox.ratelimit import RateLimiter
from bot.platform import ChatPlatform, Recipient, RetryLater, Undeliverable

log = logging.getLogger(__name__)
PLATFORM = "teams"
SEND = "send"  # the rate limiter's name for a connector call into a conversation


def serialize_reference(reference: ConversationReference) -> dict[str, Any]:
    data: dict[str, Any] = reference.serialize()
    return data


def load_reference(data: dict[str, Any]) -> ConversationReference:
    reference: ConversationReference = ConversationReference().deserialize(data)
    return reference


def is_personal(reference: dict[str, Any]) -> bool:
    conversation = reference.get("conversation") or {}
    return conversation.get("conversationType") == "personal"


def to_activity(message: Message) -> Activity:
    """A plain line stays a chat message; anything with structure becomes an Adaptive Card."""
    message = typed_in_teams(message)
    plain = not (
        message.sections
        or message.fields
        or message.pictures()
        or message.buttons
        or message.context
        or message.form
    )
    if plain:
        return Activity(
            type=ActivityTypes.message, text=plain_text(message), text_format="markdown"
        )
    return Activity(
        type=ActivityTypes.message,
        summary=summary(message),
        attachments=[attachment(message)],
    )


class TeamsPlatform(ChatPlatform):
    name = PLATFORM

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self.adapter = adapter
        self.app_id = app_id
        # Learned from inbound activities: where the connector is, which tenant, who we are.
        # Needed to open a 1:1 chat with someone who never wrote to the bot.
        self.service_url: str | None = None
        self.tenant_id: str | None = None
        self.bot_account: ChannelAccount | None = None
        self._limiter: RateLimiter | None = None

    def learn(self, activity: Activity) -> None:
        if activity.service_url:
            self.service_url = activity.service_url
        tenant = (activity.channel_data or {}).get("tenant") or {}
        if isinstance(tenant, dict) and tenant.get("id"):
            self.tenant_id = tenant["id"]
        elif activity.conversation and activity.conversation.tenant_id:
            self.tenant_id = activity.conversation.tenant_id
        if activity.recipient:
            self.bot_account = activity.recipient

    # --- ChatPlatform ---------------------------------------------------------------------

    async def post_to_person(self, recipient: Recipient, message: Message) -> dict[str, Any]:
        ref = recipient.conversation_ref
        if ref and is_personal(ref):
            return await self._send(ref, message)
        return await self._open_and_send(recipient.user_id, ref, message)

    async def post_to_channel(self, channel: str, message: Message) -> dict[str, Any]:
        """`channel` is a Teams conversation id (a channel's `19:…@thread.tacv2`)."""
        if not self.service_url:
            raise RetryLater("teams: no activity seen yet, the connector's address is unknown", 30)
        reference = ConversationReference(
            channel_id="msteams",
            service_url=self.service_url,
            bot=self.bot_account,
            conversation=ConversationAccount(
                id=channel, is_group=True, conversation_type="channel", tenant_id=self.tenant_id
            ),
        )
        return await self._send(serialize_reference(reference), message)

    async def update(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        reference = load_reference(ref["conversation_ref"])
        activity = to_activity(message)
        activity.id = ref["activity_id"]

        async def replace(turn: TurnContext) -> None:
            await turn.update_activity(activity)

        await self._turn(reference, replace)
        return dict(ref)

    async def reply(self, context: dict[str, Any], message: Message) -> dict[str, Any]:
        """Into the conversation the person wrote in (Teams has no ephemeral messages); with
        `replace` (the card an action came from), that card is replaced instead."""
        ref = context.get("conversation_ref")
        if not ref:
            raise Undeliverable("teams reply without a conversation reference")
        if context.get("replace"):
            return await self.update(
                {"conversation_ref": ref, "activity_id": context["replace"]}, message
            )
        return await self._send(ref, message)

    # --- sending ------------------------------------------------------------------------------

    async def fetch_files(
        self, refs: list[dict[str, Any]], *, limit: int
    ) -> tuple[FileShared, ...]:
        """Attached files and pasted images (`refs`: the activity's attachments, camelCase);
        the bot's token is fetched only when a pasted image needs it."""
        token = None
        if teams_files.wants_token(refs):
            token = await teams_files.bot_token(self.adapter, self.app_id)
        return await teams_files.fetch_all(refs, limit=limit, token=token)

    async def _send(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        reference = load_reference(ref)
        sent: dict[str, Any] = {}

        async def send(turn: TurnContext) -> None:
            response = await turn.send_activity(to_activity(message))
            sent["activity_id"] = response.id if response else None

        await self._turn(reference, send)
        return {"conversation_ref": ref, "activity_id": sent.get("activity_id")}

    async def _open_and_send(
        self, user_id: str, known: dict[str, Any] | None, message: Message
    ) -> dict[str, Any]:
        """Open (or find again: Teams answers with the same id) the 1:1 chat, then post."""
        service_url = (known or {}).get("serviceUrl") or self.service_url
        tenant_id = ((known or {}).get("conversation") or {}).get("tenantId") or self.tenant_id
        if not service_url:
            raise RetryLater("teams: no activity seen yet, the connector's address is unknown", 30)
        parameters = ConversationParameters(
            is_group=False,
            bot=self.bot_account,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        opened: dict[str, Any] = {}

        async def created(turn: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(turn.activity)
            reference.conversation.conversation_type = "personal"
            if tenant_id:
                reference.conversation.tenant_id = tenant_id
            reference.user = ChannelAccount(id=user_id)
            reference.bot = self.bot_account or reference.bot
            opened["ref"] = serialize_reference(reference)

        await _mapped(
            lambda: self.adapter.create_conversation(
                self.app_id,
                created,
                parameters,
                channel_id="msteams",
                service_url=service_url,
            )
        )
        return await self._send(opened["ref"], message)

    async def _turn(
        self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """One connector call into a conversation: paced, and a 429 holds that conversation
        only (the connector throttles per conversation)."""
        conversation = reference.conversation.id if reference.conversation else None
        if self._limiter is not None:
            await self._limiter.acquire(PLATFORM, SEND, conversation)
        await _mapped(
            lambda: self.adapter.continue_conversation(reference, logic, self.app_id),
            f"{SEND}:{conversation}" if conversation else SEND,
        )

    def use_limiter(self, limiter: RateLimiter) -> None:
        """The dispatcher's limiter: paces connector calls, learns from 429s."""
        self._limiter = limiter

    async def close(self) -> None:
        """Nothing of ours to close: the botbuilder adapter owns its connections."""


async def _mapped(call: Callable[[], Awaitable[Any]], scope: str | None = None) -> Any:
    """Connector answers mapped to the outbox's two kinds of failure."""
    try:
        return await call()
    except HttpOperationError as exc:
        response = exc.response
        status = getattr(response, "status_code", None) or 0
        if status == 429:
            headers = getattr(response, "headers", None) or {}
            retry_after = _seconds(headers.get("Retry-After"))
            raise RetryLater("teams rate limit", retry_after, scope=scope) from exc
        if status >= 500:
            raise RetryLater(f"teams connector answered {status}") from exc
        raise Undeliverable(f"teams connector answered {status}: {exc}") from exc
    except (TimeoutError, ClientRequestError, aiohttp.ClientError, ConnectionError) as exc:
        raise RetryLater(f"teams connector unreachable: {exc}") from exc


def _seconds(value: str | None) -> float:
    try:
        return max(float(value or 1), 0.0)
    except ValueError:
        return 1.0
