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

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import ContentItem, DraftFile, OutboxMessage, Person
from tests.conftest import RunningBot
from tests.e2e.playground import (
    ANNA,
    BEN,
    CARLA,
    Playground,
    Shown,
    first_text,
    submit_data,
    three_colleagues,
)
from tests.integration.file_hosts import FileHost
from tests.support import eventually, eventually_async

pytestmark = pytest.mark.e2e
# A list item in a card: a TextBlock of its own that starts like one ("• x", "- x", "1. x").
BULLET = re.compile(r"^\s*(?:[•\-*–]|\d+[.)])\s+\S")


def list_items(card: dict[str, Any]) -> list[str]:
    """The list items on a card: bulleted TextBlocks of their own, or the facts of a FactSet."""
    out: list[str] = []
    for element in card.get("body", []):
        for item in element.get("items", [element]):
            if item.get("type") == "TextBlock" and BULLET.match(item["text"]):
                out.append(item["text"])
            elif item.get("type") == "FactSet":
                out.extend(f"{fact['title']} – {fact['value']}" for fact in item["facts"])
    return out


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
    # The help is a list: one card element per command, not one run-on paragraph (#13.7).
    (help_card,) = playground.messages()[0].cards
    commands = list_items(help_card)
    assert len(commands) >= 5, help_card
    assert any("submit" in c for c in commands) and any("hilfe" in c for c in commands)
    assert all("\n" not in c for c in commands)

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
    person, everything typed and clicked as that tab's own user in its own personal chat. A
    decided card says so at the top and keeps no buttons (#13.8)."""
    async with three_colleagues(bot, tmp_path) as tabs:
        for handle, user in (("carla", CARLA), ("ben", BEN), ("anna", ANNA)):
            assert tabs[handle].config["currentUser"]["id"] == user
        for handle, user in (("ben", BEN), ("anna", ANNA)):
            await tabs[handle].say("hilfe", user=user)  # so the bot knows where they are
            await eventually(lambda tab=tabs[handle]: tab.shown(), within=15)

        await tabs["carla"].say("submit Sommerfest: Fotos vom Team", user=CARLA)
        decided: dict[str, Shown] = {}
        for handle, user, name in (("ben", BEN, "Ben Weber"), ("anna", ANNA, "Anna Schmidt")):
            tab = tabs[handle]
            card = await eventually(lambda tab=tab: _approval_cards(tab), within=15)
            message_id, request_id = card[0]
            await tab.click(
                tab.personal_chat,
                user,
                message_id,
                {"action": "approval.approve", "value": request_id},
            )
            decided[handle] = await eventually(
                lambda tab=tab, message_id=message_id, name=name: _decided(
                    tab, message_id, f"Freigegeben von {name}"
                ),
                within=15,
            )

        outcome = await eventually(
            lambda: [t for t in tabs["carla"].shown() if "ist freigegeben" in t], within=15
        )
        assert "#1 „Sommerfest: Fotos vom Team“ ist freigegeben" in outcome[0]
        for shown in decided.values():
            assert submit_data(shown.cards) == []  # the buttons are gone


def _approval_cards(tab: Playground) -> list[tuple[str, str]]:
    """(message id, request id) of each approval card in the tab's personal chat that still
    asks for a decision."""
    return [
        (shown.message_id, str(data["value"]))
        for shown in tab.messages()
        for data in submit_data(shown.cards)
        if data.get("action") == "approval.approve"
    ]


def _decided(tab: Playground, message_id: str, header: str) -> Shown | None:
    """The card `message_id` once it was updated to start with `header`."""
    for shown in tab.messages():
        top = first_text(shown.cards[0]) if shown.cards else ""
        if shown.message_id == message_id and header in top:
            return shown
    return None


def pasted(url: str, caption: str) -> list[dict[str, Any]]:
    """What Teams sends for an image pasted into a message: the image on the attachment
    service, and the HTML that places it (no file of its own)."""
    return [
        {"contentType": "image/png", "contentUrl": url},
        {"contentType": "text/html", "content": f'<p>{caption}<img src="{url}"></p>'},
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_pasted_image_and_a_file_sent_as_custom_activities(
    bot: RunningBot, playground: Playground, file_hosts: tuple[FileHost, FileHost]
) -> None:
    """Mock an Activity → Custom activity (README: Send a file or a pasted image): a message
    with an `image/png` attachment and its `contentUrl`, as Teams sends a pasted image
    (#13.2), then one with an attached file."""
    service, foreign = file_hosts
    url = f"{service.url}/v3/attachments/a1/views/original"
    await playground.send_custom(
        type="message", text="Teamfoto", attachments=pasted(url, "Teamfoto")
    )
    draft = await eventually(lambda: playground.shown(), within=15)
    assert "Entwurf #1" in draft[0] and "Teamfoto" in draft[0]
    assert {"intake.submit", "intake.discard"} <= {
        d.get("action") for d in submit_data(playground.messages()[0].cards)
    }
    assert [path for path, _ in service.requests] == ["/v3/attachments/a1/views/original"]
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DraftFile)) == 1

    # An image on any other host is never asked for, and the answer says what to do instead.
    await playground.send_custom(
        type="message", text="", attachments=pasted(f"{foreign.url}/original", "")
    )
    said = await eventually(lambda: playground.shown()[1:], within=15)
    assert (
        "Das eingefügte Bild image-1.png konnte ich nicht laden – bitte als Datei anhängen "
        "(Büroklammer)." in said[0]
    )
    assert foreign.requests == []

    # A file attached with the paper clip, as the README shows it.
    attached = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "plan.pdf",
        "content": {"downloadUrl": f"{service.url}/plan.pdf", "fileType": "pdf"},
    }
    await playground.send_custom(type="message", text="", attachments=[attached])
    said = await eventually(lambda: playground.shown()[2:], within=15)
    assert "plan.pdf (PDF" in said[0], said[0]
