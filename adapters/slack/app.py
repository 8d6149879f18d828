"""Slack in: slack-bolt verifies and parses, we translate into neutral events. No logic here."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import files as slack_files
from adapters.slack.platform import SlackPlatform
from adapters.slack.render import (
    FORM_OPEN,
    MODAL_CALLBACK,
    action_name,
    modal_view,
    submitted_files,
    submitted_values,
)
from bot.engine import Engine
from bot.events import Action, Actor, Command
from bot.forms import Form

log = logging.getLogger(__name__)
PLATFORM = "slack"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")


def build_bolt_app(engine: Engine, client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """Every listener acks at once and hands the work to a lazy listener: Slack gets its
    answer within milliseconds (bolt would otherwise poll for the ack every 10 ms), and the
    engine runs next to it, never against Slack's three-second limit."""
    app = AsyncApp(
        client=client, signing_secret=signing_secret, logger=log, process_before_response=True
    )

    async def ack_now(ack: Any) -> None:
        await ack()

    async def on_command(body: dict[str, Any]) -> None:
        text, mentions = neutral_mentions(f"{body['command']} {body.get('text', '')}")
        await engine.handle(
            Command(
                actor=Actor(PLATFORM, body["user_id"], name=body.get("user_name")),
                event_key=f"command:{body.get('trigger_id') or body['user_id'] + body['command']}",
                reply_context=_reply_context(body, body.get("channel_id"), body["user_id"]),
                text=text,
                mentions=mentions,
            )
        )

    async def on_action(body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        await engine.handle(
            Action(
                actor=Actor(PLATFORM, user, name=body["user"].get("username")),
                event_key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
                reply_context=_reply_context(body, channel, user),
                action=action_name(action["action_id"]),
                value=action.get("value", ""),
            )
        )

    async def check_form(ack: Any, view: dict[str, Any]) -> None:
        """A submitted modal (bot/forms.py): blank required inputs are refused in the modal."""
        errors = _form_errors(view)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def on_form_submitted(body: dict[str, Any], view: dict[str, Any]) -> None:
        if _form_errors(view):
            return
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        files = await slack_files.fetch_all(
            submitted_files(view),
            token=client.token or "",
            api_url=client.base_url,
            limit=engine.org.intake.max_file_size,
        )
        await engine.handle(
            Action(
                actor=Actor(PLATFORM, user, name=body["user"].get("username")),
                event_key=f"view:{view.get('id')}:{view.get('hash', '')}",
                reply_context=_reply_context({}, meta.get("channel"), user),
                action=str(meta.get("action", "")),
                value=str(meta.get("value", "")),
                inputs=submitted_values(view),
                files=files,
            )
        )

    async def on_direct_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        """A DM to the bot is read like a command typed in Teams: `help`, `submit …`; a DM with
        files goes to intake, the files fetched here, before the engine's transaction."""
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if subtype and not (subtype == "file_share" and event.get("files")):
            return
        files = await slack_files.fetch_all(
            list(event.get("files") or []),
            token=client.token or "",
            api_url=client.base_url,
            limit=engine.org.intake.max_file_size,
        )
        await engine.handle(
            Command(
                actor=Actor(PLATFORM, event["user"]),
                event_key=f"event:{body['event_id']}",
                reply_context=_reply_context({}, event["channel"], event["user"]),
                text=event.get("text", ""),
                files=files,
                reply_to=event.get("thread_ts") if event.get("thread_ts") != event["ts"] else None,
            )
        )

    async def open_form(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The form button (render._form_button): open its modal with this click's trigger."""
        await ack()
        form = Form.model_validate_json(action["value"])
        view = modal_view(form, (body.get("channel") or {}).get("id"))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    app.command(re.compile(r"^/.+"))(ack=ack_now, lazy=[on_command])
    app.action(FORM_OPEN)(open_form)  # before the catch-all: bolt runs the first match
    app.action(re.compile(r".+"))(ack=ack_now, lazy=[on_action])
    app.view(MODAL_CALLBACK)(ack=check_form, lazy=[on_form_submitted])
    app.event("message")(ack=ack_now, lazy=[on_direct_message])
    return app


def neutral_mentions(text: str) -> tuple[str, dict[str, str]]:
    """Slack writes a mention as `<@U123|anna>`; the engine reads `@U123` (Command.mentions)."""
    mentions: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        mentions[match.group(1)] = match.group(2) or ""
        return f"@{match.group(1)}"

    return _MENTION.sub(replace, text), mentions


def _form_errors(view: dict[str, Any]) -> dict[str, str]:
    meta = json.loads(view.get("private_metadata") or "{}")
    values = submitted_values(view)
    return {
        name: text
        for name, text in (meta.get("required") or {}).items()
        if not values.get(name, "").strip()
    }


def _reply_context(body: dict[str, Any], channel: str | None, user: str) -> dict[str, Any]:
    return {
        "platform": PLATFORM,
        "response_url": body.get("response_url"),
        "channel": channel,
        "user": user,
        # A reply that asks for input opens a modal with it (valid for 3 seconds).
        "trigger_id": body.get("trigger_id"),
    }


def mount(
    app: web.Application, engine: Engine, *, token: str, signing_secret: str, api_url: str
) -> SlackPlatform:
    """Add POST /slack/events (commands, events and interactivity on one URL)."""
    client = AsyncWebClient(token=token, base_url=api_url)
    bolt = build_bolt_app(engine, client, signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", slack_events)
    return SlackPlatform(client)
