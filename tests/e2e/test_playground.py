"""End to end with the Microsoft 365 Agents Playground (npm, offline, its own mock connector).

The real Playground from node_modules runs against the running bot. We talk to it through its
HTTP API as its users do in the browser, and assert on what it received on its WebSocket
stream (what the browser shows) and on what its connector accepted.

The Playground's personal chat belongs to its current user, Alex Wilber (`user-id-0`), whom
socialdesk.example.yaml maps to Carla; Megan Bowen (`user-id-1`) is Ben and Adele Vance
(`user-id-2`) is Anna. Their approval cards reach them proactively, in 1:1 chats the bot opens
through the Playground's connector; their clicks go through the Playground's submit API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage.models import ContentItem, OutboxMessage, Person
from tests.conftest import ROOT, RunningBot
from tests.fakes.teams_connector import card_texts
from tests.support import eventually, eventually_async

pytestmark = pytest.mark.e2e
PLAYGROUND = ROOT / "node_modules" / ".bin" / "agentsplayground"
CARLA, BEN, ANNA = "user-id-0", "user-id-1", "user-id-2"


def _missing_tools() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not PLAYGROUND.exists():
        return f"{PLAYGROUND} is missing (run `npm ci` or `make test`)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    problem = _missing_tools()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Agents Playground e2e cannot run: {problem}", pytrace=False)
        pytest.skip(f"Agents Playground e2e skipped: {problem}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Teams only, as on a newcomer's machine: no Slack to steal the approvers' cards."""
    return settings.model_copy(update={"slack_bot_token": None, "slack_signing_secret": None})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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

    def shown(self, conversation: str | None = None) -> list[str]:
        """What the browser shows in a chat: each bot message's text or card texts."""
        conversation = conversation or self.personal_chat
        out = []
        for event in self.stream:
            if event.get("actionConversationId") != conversation:
                continue
            message = event.get("message") or {}
            texts = [message.get("text") or ""]
            for attachment in message.get("attachments") or []:
                if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    texts.append(card_texts(attachment["content"]))
            out.append("\n".join(t for t in texts if t))
        return out


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


@pytest.fixture
async def playground(bot: RunningBot, tmp_path: Path) -> AsyncIterator[Playground]:
    async with running_playground(bot, tmp_path) as started:
        yield started


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


async def _card_for(bot: RunningBot, handle: str) -> tuple[str, str, str]:
    """(conversation id, activity id, request id) of the approval card sent to `handle`."""

    async def sent() -> OutboxMessage | None:
        async with bot.runtime.sessions() as session:
            person = await session.scalar(select(Person).where(Person.handle == handle))
            assert person is not None
            return await session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.person_id == person.id,
                    OutboxMessage.kind == "post",
                    OutboxMessage.status == "sent",
                    OutboxMessage.key.like("approval:%"),
                )
            )

    row: OutboxMessage = await eventually_async(sent)  # fails: no card delivered to `handle`
    assert row.platform == "teams" and row.platform_ref
    ref = row.platform_ref
    buttons = {b["action"]: b["value"] for b in row.payload.get("buttons", [])}
    return (
        ref["conversation_ref"]["conversation"]["id"],
        ref["activity_id"],
        buttons["approval.approve"],
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_submit_and_approve_through_the_playground(
    bot: RunningBot, playground: Playground
) -> None:
    assert playground.config["currentUser"]["id"] == CARLA  # the example file's mapping

    await playground.say("hilfe")
    help_text = await eventually(lambda: playground.shown(), within=15)
    assert "Das kann socialdesk" in help_text[0]
    assert "submit TEXT" in help_text[0] and "/submit" not in help_text[0]  # Teams: no slash

    await playground.say("submit Sommerfest: Fotos vom Team")
    await eventually(lambda: len(playground.shown()) >= 2, within=15)
    assert "Eingereicht: #1 „Sommerfest: Fotos vom Team“" in playground.shown()[1]
    assert "Ben Weber" in playground.shown()[1]

    # Ben (Megan Bowen in the Playground) got his card in a 1:1 chat the bot opened.
    conversation, card_id, request_id = await _card_for(bot, "ben")
    await playground.click(
        conversation, BEN, card_id, {"action": "approval.approve", "value": request_id}
    )
    # Anna (Adele Vance) is next; her approval finishes the item.
    conversation, card_id, request_id = await _card_for(bot, "anna")
    await playground.click(
        conversation, ANNA, card_id, {"action": "approval.approve", "value": request_id}
    )

    outcome = await eventually(
        lambda: [t for t in playground.shown() if "ist freigegeben" in t], within=15
    )
    assert "#1 „Sommerfest: Fotos vom Team“ ist freigegeben" in outcome[0]
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.status == "approved"

    async def updates_sent() -> bool:
        async with bot.runtime.sessions() as session:
            updates = (
                await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "update"))
            ).all()
        return bool(updates) and all(u.status == "sent" for u in updates)

    # Both cards were updated in place, and the Playground's connector accepted it.
    assert await eventually_async(updates_sent)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_three_colleagues_in_three_playgrounds(bot: RunningBot, tmp_path: Path) -> None:
    """What `make run` starts: one Playground per person of the path, each browser tab its own
    person, everything typed and clicked as that tab's own user in its own personal chat."""
    configs = ROOT / "adapters" / "teams" / "playground"
    async with contextlib.AsyncExitStack() as stack:
        tabs = {
            handle: await stack.enter_async_context(
                running_playground(bot, tmp_path / handle, configs / f"{handle}.yml")
            )
            for handle in ("carla", "ben", "anna")
        }
        for handle, user in (("carla", CARLA), ("ben", BEN), ("anna", ANNA)):
            assert tabs[handle].config["currentUser"]["id"] == user
        for handle, user in (("ben", BEN), ("anna", ANNA)):
            await tabs[handle].say("hilfe", user=user)  # so the bot knows where they are
            await eventually(lambda tab=tabs[handle]: tab.shown(), within=15)

        await tabs["carla"].say("submit Sommerfest: Fotos vom Team", user=CARLA)
        for handle, user in (("ben", BEN), ("anna", ANNA)):
            tab = tabs[handle]
            card = await eventually(
                lambda tab=tab: [e for e in _cards(tab) if "Freigabe angefragt" in e[1]],
                within=15,
            )
            activity_id, _, request_id = card[0]
            await tab.click(
                tab.personal_chat,
                user,
                activity_id,
                {"action": "approval.approve", "value": request_id},
            )

        outcome = await eventually(
            lambda: [t for t in tabs["carla"].shown() if "ist freigegeben" in t], within=15
        )
        assert "#1 „Sommerfest: Fotos vom Team“ ist freigegeben" in outcome[0]


def _cards(tab: Playground) -> list[tuple[str, str, str]]:
    """(activity id, texts, request id) of each approval card in the tab's personal chat."""
    out = []
    for event in tab.stream:
        message = event.get("message") or {}
        if event.get("actionConversationId") != tab.personal_chat:
            continue
        for attachment in message.get("attachments") or []:
            content = attachment.get("content") or {}
            for data in _submit_data(content):
                if data.get("action") == "approval.approve":
                    message_id = str(message.get("messageId") or message.get("id"))
                    out.append((message_id, card_texts(content), str(data["value"])))
    return out


def _submit_data(node: Any) -> list[dict[str, Any]]:
    """The `data` of every Action.Submit anywhere on a card."""
    if isinstance(node, list):
        return [d for child in node for d in _submit_data(child)]
    if not isinstance(node, dict):
        return []
    found = [node["data"]] if node.get("type") == "Action.Submit" else []
    return found + [d for key, child in node.items() if key != "data" for d in _submit_data(child)]
