"""The real Microsoft 365 Agents Playground (npm, offline, its own mock connector) against the
running bot, for the e2e tests.

We talk to it as its users do in the browser: through its conversation API (type, click) and
its *custom activity* API (Mock an Activity → Custom activity: any activity, e.g. a message
with a pasted image). What the browser shows arrives on its WebSocket stream: each message the
bot created (`createMessage`) or updated in place (`updateMessage`), per conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import FrozenClock
from bot.settings import Settings
from tests.conftest import ROOT, RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import card_texts

PLAYGROUND = ROOT / "node_modules" / ".bin" / "agentsplayground"
CONFIGS = ROOT / "adapters" / "teams" / "playground"  # one current user per colleague
CARLA, BEN, ANNA = "user-id-0", "user-id-1", "user-id-2"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def missing_tools() -> str | None:
    """Why the Playground cannot run here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not PLAYGROUND.exists():
        return f"{PLAYGROUND} is missing (run `npm ci` or `make test`)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Shown:
    """One bot message as the Playground shows it now (the latest version of an update)."""

    message_id: str
    text: str  # the message's text and its cards' texts, as read
    cards: list[dict[str, Any]]


@dataclass
class Playground:
    url: str
    config: dict[str, Any]
    http: aiohttp.ClientSession
    stream: list[dict[str, Any]] = field(default_factory=list)

    @property
    def personal_chat(self) -> str:
        return str(self.config["personalChat"]["id"])

    async def say(self, text: str, user: str = CARLA) -> None:
        async with self.http.post(
            f"{self.url}/_conversation/v1/conversations/{self.personal_chat}/messages",
            json={"from": {"id": user}, "text": text, "textFormat": "plain"},
        ) as resp:
            assert resp.status == 200, await resp.text()

    async def click(
        self, conversation: str, user: str, reply_to: str, value: dict[str, str]
    ) -> None:
        async with self.http.post(
            f"{self.url}/_conversation/v1/submit",
            json={
                "conversation": {"id": conversation},
                "from": {"id": user},
                "replyToId": reply_to,
                "value": value,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()

    async def template(self) -> dict[str, Any]:
        """What *Mock an Activity → Custom activity* opens with (the request its page makes):
        an activity of the personal chat (ids, serviceUrl, sender, recipient) of no type yet."""
        async with self.http.get(
            f"{self.url}/_internal/v1/customActivities/template",
            params={"conversationId": self.personal_chat},
        ) as resp:
            assert resp.status == 200, await resp.text()
            activity: dict[str, Any] = await resp.json()
            return activity

    async def send_custom(self, **fields: Any) -> None:
        """What *Send activity* sends: the template with `fields` filled in."""
        activity = await self.template()
        activity.update(fields)
        async with self.http.post(
            f"{self.url}/_internal/v1/customActivities", json=activity
        ) as resp:
            assert resp.status == 200, await resp.text()

    def messages(self, conversation: str | None = None) -> list[Shown]:
        """The bot's messages in a chat, in order, each as last updated."""
        conversation = conversation or self.personal_chat
        latest: dict[str, dict[str, Any]] = {}
        for event in self.stream:
            if event.get("actionConversationId") != conversation:
                continue
            message = event.get("message") or {}
            latest[str(message.get("messageId") or message.get("id"))] = message
        out = []
        for message_id, message in latest.items():
            cards = [
                a["content"]
                for a in message.get("attachments") or []
                if a.get("contentType") == ADAPTIVE
            ]
            texts = [message.get("text") or "", *(card_texts(c) for c in cards)]
            out.append(Shown(message_id, "\n".join(t for t in texts if t), cards))
        return out

    def shown(self, conversation: str | None = None) -> list[str]:
        """What the browser shows in a chat: each bot message's text or card texts."""
        return [m.text for m in self.messages(conversation)]


@contextlib.asynccontextmanager
async def running_playground(
    bot: RunningBot, workdir: Path, config: Path | None = None
) -> AsyncIterator[Playground]:
    """The real Playground against the bot; `config` picks its current user (default: its own
    built-in users, with Alex Wilber in the personal chat)."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
    if config is not None:
        env["M365_AGENTS_PLAYGROUND_CONFIG_PATH"] = str(config)
    log = (workdir / "playground.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(PLAYGROUND),
        "-e",
        f"{bot.url}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(port),
        "--disable-telemetry",
        cwd=workdir,  # no stray .m365agentsplayground.yml
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    http = aiohttp.ClientSession()
    try:
        config_seen = await _wait_for_config(http, url, process)
        playground = Playground(url, config_seen, http)
        ws = await http.ws_connect(
            f"ws://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream"
        )

        async def listen() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    playground.stream.append(json.loads(message.data))

        listener = asyncio.create_task(listen())
        yield playground
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await ws.close()
    finally:
        await http.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()


class RunningClock(FrozenClock):
    """Real time, moved to where the test says: timers see the planned time, while the
    dispatcher's waits, retries and rate limits (which a frozen clock would stall) still pass
    with the Playground's real connector."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.set(start)

    def set(self, value: datetime) -> None:
        self._base, self._mono = value, time.monotonic()

    def now(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._mono)


@contextlib.asynccontextmanager
async def serving_at(
    settings: Settings, fake_slack: FakeSlackApi, start: datetime
) -> AsyncIterator[RunningBot]:
    """The real server with its clock running from `start` and its scheduler off: the test
    moves time with `bot.tick(at)` and runs the timer rounds itself, as in tests/conftest.py's
    `serve(start=...)`, but with time that passes between the moves."""
    async with serve(settings, fake_slack, clock=RunningClock(start)) as running:
        yield running


@contextlib.asynccontextmanager
async def three_colleagues(bot: RunningBot, workdir: Path) -> AsyncIterator[dict[str, Playground]]:
    """What `make run` starts: one Playground per person of the example path, each its own
    current user (Carla submits, Ben and Anna approve)."""
    async with contextlib.AsyncExitStack() as stack:
        tabs = {
            handle: await stack.enter_async_context(
                running_playground(bot, workdir / handle, CONFIGS / f"{handle}.yml")
            )
            for handle in ("carla", "ben", "anna")
        }
        yield tabs


async def _wait_for_config(
    http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> dict[str, Any]:
    for _ in range(300):
        if process.returncode is not None:
            raise AssertionError(f"the Agents Playground exited with {process.returncode}")
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{url}/_internal/v1/config") as resp:
                if resp.status == 200:
                    config: dict[str, Any] = (await resp.json())["config"]
                    return config
        await asyncio.sleep(0.1)
    raise AssertionError("the Agents Playground did not start within 30 s")


def submit_data(node: Any) -> list[dict[str, Any]]:
    """The `data` of every Action.Submit anywhere on a card."""
    if isinstance(node, list):
        return [d for child in node for d in submit_data(child)]
    if not isinstance(node, dict):
        return []
    found = [node["data"]] if node.get("type") == "Action.Submit" else []
    return found + [d for key, child in node.items() if key != "data" for d in submit_data(child)]


def first_text(card: dict[str, Any]) -> str:
    """The first words on a card, also inside its coloured headline container."""
    for element in card.get("body", []):
        for item in element.get("items", [element]):
            if item.get("type") == "TextBlock":
                return str(item["text"])
    return ""


def input_values(node: Any) -> dict[str, str]:
    """What a card's inputs hold before anyone types (`id` → its `value`): a form's
    suggestions, sent back as they are when the person just clicks its button."""
    if isinstance(node, list):
        return {k: v for child in node for k, v in input_values(child).items()}
    if not isinstance(node, dict):
        return {}
    found = (
        {str(node["id"]): str(node.get("value") or "")}
        if str(node.get("type", "")).startswith("Input.") and "id" in node
        else {}
    )
    return found | {k: v for child in node.values() for k, v in input_values(child).items()}
