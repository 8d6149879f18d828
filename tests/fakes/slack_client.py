"""Sends requests to the bot the way Slack does: form or JSON bodies, signed with the secret."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 signature, written out here so the test does not trust the library it tests."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackClient:
    def __init__(self, bot_url: str, secret: str, response_url_base: str) -> None:
        self.url = f"{bot_url}/slack/events"
        self.secret = secret
        self.response_url_base = response_url_base
        self._seq = itertools.count(1)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        timestamp = timestamp or str(int(time.time()))
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or sign(self.secret, timestamp, body),
            **(headers or {}),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=all_headers) as resp,
        ):
            await resp.read()
            return resp

    def command_body(
        self, user: str, command: str, text: str = "", channel: str = "D0DIRECT"
    ) -> str:
        n = next(self._seq)
        return urlencode(
            {
                "token": "legacy",
                "team_id": "T0BEISPIEL",
                "channel_id": channel,
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "response_url": f"{self.response_url_base}/cmd{n}",
                "trigger_id": f"trigger.cmd.{n}",
                "api_app_id": "A0SOCIALDESK",
            }
        )

    async def command(
        self, user: str, command: str, text: str = "", **kw: Any
    ) -> aiohttp.ClientResponse:
        return await self.post(
            self.command_body(user, command, text, **kw), "application/x-www-form-urlencoded"
        )

    def click_body(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        channel: str = "D0DIRECT",
        trigger_id: str | None = None,
    ) -> str:
        n = next(self._seq)
        payload = {
            "type": "block_actions",
            "team": {"id": "T0BEISPIEL"},
            "user": {"id": user, "username": user.lower()},
            "api_app_id": "A0SOCIALDESK",
            "trigger_id": trigger_id or f"trigger.click.{n}",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel},
            "response_url": f"{self.response_url_base}/click{n}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"1700000000.{n}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})

    async def click(
        self, user: str, action_id: str, value: str, **kw: Any
    ) -> aiohttp.ClientResponse:
        return await self.post(
            self.click_body(user, action_id, value, **kw), "application/x-www-form-urlencoded"
        )

    async def submit_view(
        self,
        user: str,
        view: dict[str, Any],
        values: dict[str, str],
        files: dict[str, list[dict[str, Any]]] | None = None,
    ) -> tuple[int, str]:
        """Submit a modal the bot opened (as recorded by the fake API) with typed values and
        uploaded files (`FakeSlackApi.add_file` entries, by file input name); returns the HTTP
        status and body (a `response_action: errors` body keeps it open)."""
        state: dict[str, Any] = {
            name: {name: _typed(view, name, value)} for name, value in values.items()
        }
        for name, entries in (files or {}).items():
            state[name] = {name: {"type": "file_input", "files": entries}}
        payload = {
            "type": "view_submission",
            "team": {"id": "T0BEISPIEL"},
            "user": {"id": user, "username": user.lower()},
            "api_app_id": "A0SOCIALDESK",
            "trigger_id": f"trigger.view.{next(self._seq)}",
            "view": {**view, "state": {"values": state}},
        }
        body = urlencode({"payload": json.dumps(payload)})
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.secret, timestamp, body),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0BEISPIEL",
                "api_app_id": "A0SOCIALDESK",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else None
        )
        return await self.post(body, "application/json", headers=headers)


def _typed(view: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    """An input's state as Slack sends it: a multi select's chosen options (`value` names
    their values, comma-separated), a picked date or time, otherwise typed text."""
    element = next((b["element"] for b in view.get("blocks", []) if b.get("block_id") == name), {})
    if element.get("type") == "multi_static_select":
        chosen = [v.strip() for v in value.split(",") if v.strip()]
        return {
            "type": "multi_static_select",
            "selected_options": [
                {"value": v, "text": {"type": "plain_text", "text": v}} for v in chosen
            ],
        }
    if element.get("type") == "datepicker":  # Slack answers a picked date as YYYY-MM-DD
        return {"type": "datepicker", "selected_date": value}
    if element.get("type") == "timepicker":
        return {"type": "timepicker", "selected_time": value}
    return {"type": "plain_text_input", "value": value}
