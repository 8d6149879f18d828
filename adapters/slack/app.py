"""Slack in: slack-bolt verifies and parses, we translate into neutral events. No logic here."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt import BoltResponse
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.platform import SlackPlatform
from adapters.slack.render import (
    FORM_OPEN,
    LINK_OPEN,
    MODAL_CALLBACK,
    action_name,
    modal_view,
    submitted_files,
    submitted_values,
)
from bot import metrics
from bot.engine import Engine, Unavailable
from bot.events import Action, Actor, Command, InboundEvent
from bot.forms import Form
from bot.home.page import HOME_OPENED

log = logging.getLogger(__name__)
PLATFORM = "slack"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")


def build_bolt_app(engine: Engine, client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """Every listener translates the request into a neutral event and records it in the inbox
    before it acks (process_before_response: bolt answers when the listener returns). The
    inbox workers do the rest. When the database cannot take the event, Slack gets an error
    answer and the person is told at once, without the database."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        logger=log,
        process_before_response=True,
        # `refusal` below verified the signature before bolt sees the request: once is enough.
        request_verification_enabled=False,
    )

    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        if await _accepted(engine, command_event(body)):
            await ack()
        else:  # Slack shows a slash command's answer only with a 200
            await ack(text=engine.unavailable_text(), response_type="ephemeral")

    async def on_action(body: dict[str, Any], action: dict[str, Any], respond: Any) -> Any:
        if await _accepted(engine, action_event(body, action)):
            return BoltResponse(status=200, body="")
        await respond(text=engine.unavailable_text(), replace_original=False)
        return _unavailable()

    async def on_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> Any:
        """A submitted modal (bot/forms.py): blank required inputs are refused in the modal;
        when the inbox is down Slack keeps the modal open with its error, nothing typed lost."""
        meta = _metadata(view)
        event = form_event(body, view, meta)
        errors = _form_errors(meta, event.inputs)
        if errors:
            await ack(response_action="errors", errors=errors)
        elif await _accepted(engine, event):
            await ack()
        else:
            return _unavailable()
        return None

    async def on_message(
        ack: Any, event: dict[str, Any], body: dict[str, Any], request: Any
    ) -> Any:
        """A DM to the bot is read like a command typed in Teams: `help`, `submit …`; its
        files are only named here and fetched by the inbox worker."""
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return await ack()
        if subtype and not (subtype == "file_share" and event.get("files")):
            return await ack()
        if await _accepted(engine, message_event(event, body)):
            return await ack()
        if not request.headers.get("x-slack-retry-num"):  # tell once, Slack retries anyway
            with contextlib.suppress(Exception):
                await client.chat_postMessage(
                    channel=event["channel"], text=engine.unavailable_text()
                )
        return _unavailable()

    async def on_home_opened(ack: Any, event: dict[str, Any], body: dict[str, Any]) -> Any:
        """The Home tab was opened (bot/home publishes it); the Messages tab needs nothing."""
        if event.get("tab") != "home" or await _accepted(engine, home_event(event, body)):
            return await ack()
        return _unavailable()

    async def open_form(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The form button (render._form_button): open its modal with this click's trigger."""
        await ack()
        form = Form.model_validate_json(action["value"])
        view = modal_view(form, (body.get("channel") or {}).get("id"))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def link_opened(ack: Any) -> None:
        """An Open button (render._link_button): the browser opens the file, nothing to do."""
        await ack()

    app.command(re.compile(r"^/.+"))(on_command)
    app.action(FORM_OPEN)(open_form)  # before the catch-all: bolt runs the first match
    app.action(LINK_OPEN)(link_opened)
    app.action(re.compile(r".+"))(on_action)
    app.view(MODAL_CALLBACK)(on_form)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
    return app


async def _accepted(engine: Engine, event: InboundEvent) -> bool:
    """Recorded now or before (a retry): either way Slack may have its 2xx."""
    try:
        await engine.accept(event)
    except Unavailable:
        return False
    return True


def _unavailable() -> BoltResponse:
    return BoltResponse(status=503, body="")


def command_event(body: dict[str, Any]) -> Command:
    text, mentions = neutral_mentions(f"{body['command']} {body.get('text', '')}")
    return Command(
        actor=Actor(PLATFORM, body["user_id"], name=body.get("user_name")),
        event_key=f"command:{body.get('trigger_id') or body['user_id'] + body['command']}",
        reply_context=_reply_context(body, body.get("channel_id"), body["user_id"]),
        text=text,
        mentions=mentions,
    )


def action_event(body: dict[str, Any], action: dict[str, Any]) -> Action:
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    return Action(
        actor=Actor(PLATFORM, user, name=body["user"].get("username")),
        event_key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
        reply_context=_reply_context(body, channel, user),
        action=action_name(action["action_id"]),
        value=str(action.get("value", "")),
        reply_to=(body.get("container") or {}).get("message_ts"),
    )


def form_event(body: dict[str, Any], view: dict[str, Any], meta: dict[str, Any]) -> Action:
    user = body["user"]["id"]
    return Action(
        actor=Actor(PLATFORM, user, name=body["user"].get("username")),
        event_key=f"view:{view.get('id')}:{view.get('hash', '')}",
        reply_context=_reply_context({}, meta.get("channel"), user),
        action=str(meta.get("action", "")),
        value=str(meta.get("value", "")),
        inputs=submitted_values(view),
        file_refs=tuple(submitted_files(view)),
    )


def message_event(event: dict[str, Any], body: dict[str, Any]) -> Command:
    return Command(
        actor=Actor(PLATFORM, event["user"]),
        event_key=f"event:{body['event_id']}",
        reply_context=_reply_context({}, event["channel"], event["user"]),
        text=event.get("text", ""),
        file_refs=tuple(event.get("files") or ()),
        reply_to=event.get("thread_ts") if event.get("thread_ts") != event["ts"] else None,
    )


def home_event(event: dict[str, Any], body: dict[str, Any]) -> Action:
    user = event["user"]
    return Action(
        actor=Actor(PLATFORM, user),
        event_key=f"event:{body['event_id']}",
        reply_context=_reply_context({}, None, user),
        action=HOME_OPENED,
    )


def neutral_mentions(text: str) -> tuple[str, dict[str, str]]:
    """Slack writes a mention as `<@U123|anna>`; the engine reads `@U123` (Command.mentions)."""
    mentions: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        mentions[match.group(1)] = match.group(2) or ""
        return f"@{match.group(1)}"

    return _MENTION.sub(replace, text), mentions


def _form_errors(meta: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    return {
        name: text
        for name, text in (meta.get("required") or {}).items()
        if not values.get(name, "").strip()
    }


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What modal_view put in the modal: its action, value, channel and required inputs."""
    meta: dict[str, Any] = json.loads(view.get("private_metadata") or "{}")
    return meta


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
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        raw = await request.read()
        refused = refusal(request.headers, raw, verifier)
        if refused is not None:
            log.warning("slack: refused a request: %s", refused.reason)
            return refused
        response = await to_aiohttp_response(
            await bolt.async_dispatch(await to_bolt_request(request))
        )
        metrics.ACK_SECONDS.labels(PLATFORM).observe(time.perf_counter() - started)
        return response

    app.router.add_post("/slack/events", slack_events)
    return SlackPlatform(client)


def refusal(
    headers: Mapping[str, str], raw: bytes, verifier: SignatureVerifier
) -> web.Response | None:
    """A 4xx for what is forged or malformed, before bolt sees it (bolt would answer 500)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not timestamp or not headers.get("X-Slack-Signature"):
        return web.Response(status=401, reason="unsigned request")
    if not timestamp.isdigit():
        return web.Response(status=400, reason="bad request timestamp")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return web.Response(status=400, reason="body is not UTF-8")
    if not verifier.is_valid(text, timestamp, headers.get("X-Slack-Signature", "")):
        return web.Response(status=401, reason="invalid signature")
    problem = _malformed(text, headers.get("Content-Type", ""))
    return None if problem is None else web.Response(status=400, reason=problem)


def _malformed(text: str, content_type: str) -> str | None:
    if "application/json" in content_type:
        try:
            body = json.loads(text)
        except ValueError:
            return "body is not JSON"
        return None if isinstance(body, dict) else "body is not a JSON object"
    form = parse_qs(text)
    if "payload" not in form:
        return None
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "block_actions without actions"
        if not isinstance(payload.get("user"), dict):
            return "block_actions without user"
    if payload.get("type") == "view_submission" and not isinstance(payload.get("view"), dict):
        return "view_submission without view"
    return None
