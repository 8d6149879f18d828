"""The crisis checklist is ticked by number as well as on the protocol card, the report tells
the same story as the status about who is on it, and the report comes as a Markdown file."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import aiohttp
import pytest

from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.crisis_support import (
    ANNA,
    BEN,
    CARLA,
    CrisisBot,
    crisis_bot,
    in_room,
    reply_to,
)
from tests.support import block_texts, eventually

__all__ = ["crisis_bot"]
PUBLIC = "https://socialdesk.beispiel.de"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Reachable from chat, so files can be linked."""
    return settings.model_copy(update={"public_url": PUBLIC})


def link_urls(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        str(b["accessory"]["url"])
        for b in blocks
        if isinstance(b.get("accessory"), dict) and b["accessory"].get("url")
    ]


async def test_tick_by_number_and_report_agrees_with_status(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    await reply_to(fake, "cmd")
    protocol = await in_room(fake, "Krise #1: Rückruf Kinderwagen")
    assert "2. ☐ Kanäle werden beobachtet" in block_texts(protocol.blocks)

    await bot.slack.command(BEN, "/crisis", "check 2")
    assert "☑ Kanäle werden beobachtet – abgehakt." in await reply_to(fake, "cmd", 2)
    await eventually(
        lambda: "2. ☑ Kanäle werden beobachtet – Ben Weber" in block_texts(protocol.blocks)
    )
    assert "crisis.check.monitoring" not in str(protocol.blocks)  # its button is gone
    await bot.slack.command(BEN, "/crisis", "check 1")
    assert "`/crisis check 1 STUFE`" in await reply_to(fake, "cmd", 3)
    await bot.slack.command(BEN, "/crisis", "check 1 3")
    await eventually(
        lambda: "1. ☑ Schweregrad eingeschätzt: 3 – Ben Weber" in block_texts(protocol.blocks)
    )
    await bot.slack.command(ANNA, "/crisis", "check 2")
    assert "Schon erledigt" in await reply_to(fake, "cmd", 5)
    await bot.slack.command(CARLA, "/crisis", "check 4")
    assert "Das dürfen nur das Krisenteam" in await reply_to(fake, "cmd", 6)

    # Ben acknowledges, David does not: status and report say the same about everyone.
    await bot.slack.click(BEN, "crisis.ack", "1")
    await eventually(lambda: "✅ Ben Weber" in block_texts(protocol.blocks))
    await bot.slack.command(ANNA, "/crisis", "status")
    status = await reply_to(fake, "cmd", 7)
    await bot.slack.command(ANNA, "/crisis", "report")
    report = await reply_to(fake, "cmd", 8)
    roles = {"Anna Schmidt": "Social-Media-Team", "Ben Weber": "Geschäftsführung"}
    roles["David Krause"] = "Presse"
    for name, role in roles.items():
        on_it = f"✅ {name}" in status
        assert on_it != (f"⏳ {name}" in status)
        assert on_it == (f"- {role}: keine Bestätigung" not in report), (name, status, report)
    assert "- Social-Media-Team: sofort (Anna Schmidt hat die Krise ausgerufen)" in report

    # The same report as a Markdown file, behind an *Öffnen* button.
    answer = [r for r in fake.responses if r["_url"].startswith("cmd")][7]
    urls = link_urls(answer["blocks"])
    assert len(urls) == 1 and urls[0].startswith(f"{PUBLIC}/files/")
    assert urls[0].endswith("/krisenbericht-1.md")
    assert "Der Bericht als Markdown-Datei" in report
    path = urllib.parse.urlsplit(urls[0]).path
    async with aiohttp.ClientSession() as http, http.get(bot.url + path) as resp:
        assert resp.status == 200
        markdown = (await resp.read()).decode()
    assert markdown.startswith("# Krisenbericht #1: Rückruf Kinderwagen")
    assert re.search(r"^- Geschäftsführung: \d+ s \(Ben Weber\)$", markdown, re.MULTILINE)
    assert "## Zeitleiste" in markdown
