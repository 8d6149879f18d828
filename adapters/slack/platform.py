"""Slack as a ChatPlatform: slack_sdk's AsyncWebClient, errors mapped to retry or give up.

Every Web API call is paced by the dispatcher's rate limiter (a bucket per method, and for
chat.postMessage per channel) and a 429 names the scope it hit, so only that scope waits.
All calls share one HTTP session (slack_sdk opens a new one per call otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import files as slack_files
from adapters.slack.home import home_view
from adapters.slack.render import blocks, fallback_text, modal_view
from bot.events import FileShared
from bot.home.page import HomePage
from bot.messages import Message
from bot.outbox.ratelimit import RateLimiter
from bot.platform import ChatPlatform, Recipient, RetryLater, Undeliverable

PLATFORM = "slack"


class SlackPlatform(ChatPlatform):
    name = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}
        self._limiter: RateLimiter | None = None

    def use_limiter(self, limiter: RateLimiter) -> None:
        """The dispatcher's limiter: paces calls on its clock, learns from 429s."""
        self._limiter = limiter

    def session(self) -> aiohttp.ClientSession:
        """The one HTTP session for Web API calls and response_urls, opened on first use
        (inside the running loop) and shared with the client bolt uses."""
        if self.client.session is None or self.client.session.closed:
            self.client.session = aiohttp.ClientSession()
        return self.client.session

    async def close(self) -> None:
        """Close the shared HTTP session (at shutdown)."""
        if self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()

    async def _call(
        self, method: str, request: Callable[[], Awaitable[Any]], channel: str | None = None
    ) -> Any:
        """One Web API call, paced; a 429 names its scope (`method` or `method:channel`)."""
        self.session()
        if self._limiter is not None:
            await self._limiter.acquire(PLATFORM, method, channel)
        result = await _call(request, f"{method}:{channel}" if channel else method)
        if self._limiter is not None:
            self._limiter.succeeded(PLATFORM, method)
        return result

    async def post_to_person(self, recipient: Recipient, message: Message) -> dict[str, Any]:
        channel = await self._dm_channel(recipient.user_id)
        return await self.post_to_channel(channel, message)

    async def post_to_channel(self, channel: str, message: Message) -> dict[str, Any]:
        resp = await self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel, text=fallback_text(message), blocks=blocks(message)
            ),
            channel,
        )
        return {"channel": resp["channel"], "ts": resp["ts"]}

    async def update(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        resp = await self._call(
            "chat.update",
            lambda: self.client.chat_update(
                channel=ref["channel"],
                ts=ref["ts"],
                text=fallback_text(message),
                blocks=blocks(message),
            ),
        )
        return {"channel": resp["channel"], "ts": resp["ts"]}

    async def reply(self, context: dict[str, Any], message: Message) -> dict[str, Any]:
        """response_url works wherever the user typed; postEphemeral is the fallback.
        A message with a form opens a modal while the click's trigger_id is fresh. With
        `replace` (the message an action came from), response_url replaces that message."""
        if context.get("replace") and not context.get("response_url"):
            return {}  # nothing Slack lets us replace: never a new message instead
        if message.form is not None and context.get("trigger_id"):
            view = modal_view(message.form, context.get("channel"))
            trigger = context["trigger_id"]
            try:
                await self._call(
                    "views.open", lambda: self.client.views_open(trigger_id=trigger, view=view)
                )
                return {"modal": True}
            except Undeliverable:
                pass  # the trigger expired while the message waited: offer a button instead
        if context.get("response_url"):
            webhook = AsyncWebhookClient(context["response_url"], session=self.session())
            try:
                how: dict[str, Any] = (
                    {"replace_original": True}
                    if context.get("replace")
                    else {"response_type": "ephemeral"}
                )
                resp = await webhook.send(
                    text=fallback_text(message), blocks=blocks(message), **how
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise RetryLater(f"response_url: {exc}") from exc
            if resp.status_code == 429 or resp.status_code >= 500:
                raise RetryLater(f"response_url answered {resp.status_code}")
            if resp.status_code >= 400:
                raise Undeliverable(f"response_url answered {resp.status_code}: {resp.body}")
            return {"response_url": True}
        if context.get("channel") and context.get("user"):
            await self._call(
                "chat.postEphemeral",
                lambda: self.client.chat_postEphemeral(
                    channel=context["channel"],
                    user=context["user"],
                    text=fallback_text(message),
                    blocks=blocks(message),
                ),
            )
            return {"ephemeral": True}
        if context.get("user"):
            return await self.post_to_person(Recipient(context["user"]), message)
        raise Undeliverable("reply without response_url, channel or user")

    async def create_room(
        self, name: str, member_user_ids: list[str], *, private: bool = True
    ) -> str | None:
        """conversations.create (a taken name gets -2, -3, …), then conversations.invite."""
        channel_id: str | None = None
        for n in range(1, 50):
            candidate = name if n == 1 else f"{name[: 80 - len(str(n)) - 1]}-{n}"
            try:
                resp = await self._call(
                    "conversations.create",
                    lambda c=candidate: self.client.conversations_create(  # type: ignore[misc]
                        name=c, is_private=private
                    ),
                )
            except Undeliverable as exc:
                if str(exc) == "name_taken":
                    continue
                raise
            channel_id = str(resp["channel"]["id"])
            break
        if channel_id is None:
            raise Undeliverable(f"no free channel name for {name}")
        if member_user_ids:
            room = channel_id
            try:
                await self._call(
                    "conversations.invite",
                    lambda: self.client.conversations_invite(
                        channel=room, users=",".join(member_user_ids)
                    ),
                )
            except Undeliverable as exc:  # e.g. already_in_channel: the room stands anyway
                logging.getLogger(__name__).warning("inviting to %s: %s", room, exc)
        return channel_id

    async def find_user_by_email(self, email: str) -> Recipient | None:
        try:
            resp = await self._call(
                "users.lookupByEmail", lambda: self.client.users_lookupByEmail(email=email)
            )
        except Undeliverable:
            return None
        return Recipient(resp["user"]["id"])

    async def email_of(self, user_id: str) -> str | None:
        try:
            resp = await self._call("users.info", lambda: self.client.users_info(user=user_id))
        except (Undeliverable, RetryLater):
            return None
        email = resp["user"].get("profile", {}).get("email")
        return str(email) if email else None

    async def fetch_files(
        self, refs: list[dict[str, Any]], *, limit: int
    ) -> tuple[FileShared, ...]:
        """The `files[]` of a message event or modal, from Slack's file hosts with the token."""
        return await slack_files.fetch_all(
            refs, token=self.client.token or "", api_url=self.client.base_url, limit=limit
        )

    async def publish_home(self, recipient: Recipient, home: HomePage) -> None:
        """views.publish: paced by its own bucket (a method of its own to the limiter)."""
        view = home_view(home)
        await self._call(
            "views.publish",
            lambda: self.client.views_publish(user_id=recipient.user_id, view=view),
        )

    async def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            resp = await self._call(
                "conversations.open", lambda: self.client.conversations_open(users=user_id)
            )
            self._dm_channels[user_id] = resp["channel"]["id"]
        return self._dm_channels[user_id]


async def _call(request: Callable[[], Awaitable[Any]], scope: str) -> Any:
    """429 and 5xx mean later; network trouble means later; any other refusal is final."""
    try:
        return await request()
    except SlackApiError as exc:
        status = exc.response.status_code
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            raise RetryLater("slack rate limit", _seconds(retry_after), scope=scope) from exc
        if status >= 500:
            raise RetryLater(f"slack answered {status}") from exc
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        raise Undeliverable(str(error or f"slack answered {status}")) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryLater(f"slack unreachable: {type(exc).__name__} {exc}") from exc


def _seconds(value: str | None) -> float:
    try:
        return max(float(value or 1), 0.0)
    except ValueError:
        return 1.0
