"""Slack as a ChatPlatform: slack_sdk's AsyncWebClient, errors mapped to retry or give up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import blocks, fallback_text, modal_view
from bot.messages import Message
from bot.platform import ChatPlatform, Recipient, RetryLater, Undeliverable


class SlackPlatform(ChatPlatform):
    name = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}

    async def post_to_person(self, recipient: Recipient, message: Message) -> dict[str, Any]:
        channel = await self._dm_channel(recipient.user_id)
        return await self.post_to_channel(channel, message)

    async def post_to_channel(self, channel: str, message: Message) -> dict[str, Any]:
        resp = await _call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=fallback_text(message), blocks=blocks(message)
            )
        )
        return {"channel": resp["channel"], "ts": resp["ts"]}

    async def update(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        resp = await _call(
            lambda: self.client.chat_update(
                channel=ref["channel"],
                ts=ref["ts"],
                text=fallback_text(message),
                blocks=blocks(message),
            )
        )
        return {"channel": resp["channel"], "ts": resp["ts"]}

    async def reply(self, context: dict[str, Any], message: Message) -> dict[str, Any]:
        """response_url works wherever the user typed; postEphemeral is the fallback.
        A message with a form opens a modal while the click's trigger_id is fresh."""
        if message.form is not None and context.get("trigger_id"):
            view = modal_view(message.form, context.get("channel"))
            trigger = context["trigger_id"]
            try:
                await _call(lambda: self.client.views_open(trigger_id=trigger, view=view))
                return {"modal": True}
            except Undeliverable:
                pass  # the trigger expired while the message waited: offer a button instead
        if context.get("response_url"):
            webhook = AsyncWebhookClient(context["response_url"])
            try:
                resp = await webhook.send(
                    text=fallback_text(message), blocks=blocks(message), response_type="ephemeral"
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise RetryLater(f"response_url: {exc}") from exc
            if resp.status_code == 429 or resp.status_code >= 500:
                raise RetryLater(f"response_url answered {resp.status_code}")
            if resp.status_code >= 400:
                raise Undeliverable(f"response_url answered {resp.status_code}: {resp.body}")
            return {"response_url": True}
        if context.get("channel") and context.get("user"):
            await _call(
                lambda: self.client.chat_postEphemeral(
                    channel=context["channel"],
                    user=context["user"],
                    text=fallback_text(message),
                    blocks=blocks(message),
                )
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
                resp = await _call(
                    lambda c=candidate: self.client.conversations_create(  # type: ignore[misc]
                        name=c, is_private=private
                    )
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
                await _call(
                    lambda: self.client.conversations_invite(
                        channel=room, users=",".join(member_user_ids)
                    )
                )
            except Undeliverable as exc:  # e.g. already_in_channel: the room stands anyway
                logging.getLogger(__name__).warning("inviting to %s: %s", room, exc)
        return channel_id

    async def find_user_by_email(self, email: str) -> Recipient | None:
        try:
            resp = await _call(lambda: self.client.users_lookupByEmail(email=email))
        except Undeliverable:
            return None
        return Recipient(resp["user"]["id"])

    async def email_of(self, user_id: str) -> str | None:
        try:
            resp = await _call(lambda: self.client.users_info(user=user_id))
        except (Undeliverable, RetryLater):
            return None
        email = resp["user"].get("profile", {}).get("email")
        return str(email) if email else None

    async def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            resp = await _call(lambda: self.client.conversations_open(users=user_id))
            self._dm_channels[user_id] = resp["channel"]["id"]
        return self._dm_channels[user_id]


async def _call(request: Callable[[], Awaitable[Any]]) -> Any:
    """429 and 5xx mean later; network trouble means later; any other refusal is final."""
    try:
        return await request()
    except SlackApiError as exc:
        status = exc.response.status_code
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            raise RetryLater("slack rate limit", float(retry_after or 1)) from exc
        if status >= 500:
            raise RetryLater(f"slack answered {status}") from exc
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        raise Undeliverable(str(error or f"slack answered {status}")) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryLater(f"slack unreachable: {exc}") from exc
