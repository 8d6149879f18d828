"""A colleague sends the bot a visual in a Slack DM: it is fetched with the bot token, stored
by its hash, turned into a draft with channels and a date, and submitted for approval, where
the approvers see the file and the channel notes."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.events import Action, Actor
from bot.settings import Settings
from storage.blobs import BlobStore
from storage.models import Attachment, ContentItem, DraftFile, IntakeDraft, OutboxMessage
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import (
    block_texts,
    buttons,
    dm,
    eventually,
    eventually_async,
    file_share,
    people_on_slack,
)

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"
PUBLIC = "https://desk.beispiel.de"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC})


async def settle(bot: RunningBot) -> None:
    """Let the outbox finish before the server stops: the dispatcher, cancelled mid-transaction
    at shutdown, can leave an aiosqlite connection whose close never returns (seen as a hang
    in the event loop's teardown)."""

    async def pending() -> int:
        async with bot.runtime.sessions() as session:
            query = select(func.count()).select_from(OutboxMessage)
            return int(await session.scalar(query.where(OutboxMessage.status == "pending")) or 0)

    async def drained() -> bool:
        return not await pending()

    with contextlib.suppress(AssertionError):  # a test that left mail pending still stops
        await eventually_async(drained, within=5.0)
    await asyncio.sleep(0.1)


@pytest.fixture(autouse=True)
async def outbox_settles(bot: RunningBot) -> AsyncIterator[None]:
    yield
    await settle(bot)


_n = iter(range(1, 10_000))


async def send_file(
    bot: RunningBot,
    fake: FakeSlackApi,
    name: str,
    data: bytes,
    text: str = "",
    *,
    user: str = CARLA,
    size: int | None = None,
) -> None:
    n = next(_n)
    info = fake.add_file(f"F{n:04d}", name, data, size=size)
    event = file_share(user, [info], f"1700000100.{n:06d}", text)
    resp = await bot.slack.event(event, event_id=f"EvFILE{n}")
    assert resp.status == 200


async def set_details(bot: RunningBot, fake: FakeSlackApi, draft: Posted, **values: str) -> None:
    opened = len(fake.views)
    await bot.slack.click(CARLA, "intake.details", buttons(draft.blocks)["intake.details"])
    view = await eventually(lambda: fake.views[-1] if len(fake.views) > opened else None)
    assert view["type"] == "modal"
    status, _ = await bot.slack.submit_view(CARLA, view, values)
    assert status == 200


# A draft reserves its item's number (status `draft`); submitted content is everything else.
submitted_items = select(func.count()).select_from(ContentItem).where(ContentItem.status != "draft")


def data_dir(bot: RunningBot) -> Path:
    return bot.runtime.settings.data_dir


async def test_a_visual_becomes_a_draft_then_a_submission_approvers_can_see(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    visual = f.png(1200, 628)
    await send_file(bot, fake_slack, "messe-visual.png", visual, "Wir sind auf der Messe! #messe")

    draft = await dm(fake_slack, CARLA)
    shown = block_texts(draft.blocks)
    assert "Entwurf #1" in shown
    assert "Wir sind auf der Messe! #messe" in shown
    assert "messe-visual.png (PNG, " in shown
    assert "Gewünschte Veröffentlichung" in shown and "so bald wie möglich" in shown
    assert "Zur Wahl stehen LinkedIn, Instagram, X" in shown  # by name, never an id
    assert "`linkedin`" not in shown
    assert set(buttons(draft.blocks)) == {"intake.submit", "intake.details", "intake.discard"}
    image = next(b for b in draft.blocks if b["type"] == "image")
    assert image["image_url"].startswith(f"{PUBLIC}/files/")

    # fetched from url_private with the bot token, stored under its SHA-256
    assert [auth for _, auth in fake_slack.downloads] == ["Bearer xoxb-test"]
    stored = BlobStore(data_dir(bot)).files()
    assert len(stored) == 1 and stored[0].read_bytes() == visual
    sha = stored[0].name
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/files/{sha}/x.png") as resp:
        assert resp.status == 200 and resp.content_type == "image/png"
        assert await resp.read() == visual

    await set_details(
        bot, fake_slack, draft, channels="linkedin,instagram", publish_at="2099-12-01 10:00"
    )
    picker = next(b for b in fake_slack.views[-1]["blocks"] if b["block_id"] == "channels")
    assert picker["element"]["type"] == "multi_static_select"  # picked, not typed
    assert [o["text"]["text"] for o in picker["element"]["options"]] == [
        "LinkedIn",
        "Instagram",
        "X",
    ]
    await eventually(lambda: draft.updates)
    shown = block_texts(draft.blocks)
    assert "LinkedIn, Instagram" in shown and "01.12.2099, 10:00" in shown
    assert "Passt zu allen gewählten Kanälen." in shown

    await bot.slack.click(CARLA, "intake.submit", buttons(draft.blocks)["intake.submit"])
    ben_card = await dm(fake_slack, BEN)
    shown = block_texts(ben_card.blocks)
    assert "Freigabe angefragt: Wir sind auf der Messe! #messe" in shown
    assert "messe-visual.png (PNG, " in shown
    opens = [b["accessory"]["url"] for b in ben_card.blocks if "accessory" in b]
    # the file's Open button, and the item's page on the board
    assert opens == [f"{PUBLIC}/files/{sha}/messe-visual.png", f"{PUBLIC}/board/items/1"]
    assert "Beitrag #1 im Board" in shown
    assert PUBLIC not in shown  # no raw address in the text
    assert "LinkedIn, Instagram" in shown and "01.12.2099, 10:00" in shown  # names, not ids
    images = [b["image_url"] for b in ben_card.blocks if b["type"] == "image"]
    assert images == [f"{PUBLIC}/files/{sha}/messe-visual.png"]
    assert "approval.approve" in buttons(ben_card.blocks)

    await eventually(lambda: len(draft.updates) >= 2)
    assert "Eingereicht als Inhalt #1" in block_texts(draft.blocks)
    assert buttons(draft.blocks) == {}
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None
        assert item.channels == ["linkedin", "instagram"] and item.publish_at is not None
        attachment = await session.scalar(select(Attachment))
        assert attachment is not None and attachment.sha256 == sha
        assert attachment.media_type == "image/png" and attachment.size == len(visual)


async def test_findings_advise_the_submitter_and_the_approvers(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    text = "Danke @messekoeln! #a #b #c #d #e #f"
    await send_file(bot, fake_slack, "klein.png", f.png(600, 600), text)
    draft = await dm(fake_slack, CARLA)
    await set_details(bot, fake_slack, draft, channels="linkedin", publish_at="")
    await eventually(lambda: draft.updates)
    shown = block_texts(draft.blocks)
    assert "⚠️ LinkedIn: @-Handles (@messekoeln)" in shown
    assert "⚠️ LinkedIn: 6 Hashtags" in shown
    assert "⚠️ LinkedIn: Bild klein.png ist mit 600×600 zu klein" in shown

    await bot.slack.click(CARLA, "intake.submit", buttons(draft.blocks)["intake.submit"])
    ben_card = await dm(fake_slack, BEN)  # advice does not block
    assert "⚠️ LinkedIn: Bild klein.png ist mit 600×600 zu klein" in block_texts(ben_card.blocks)


async def test_a_strict_channel_blocks_until_the_text_fits(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "visual.png", f.png(1200, 1200), "x" * 300)
    draft = await dm(fake_slack, CARLA)
    await set_details(bot, fake_slack, draft, channels="x", publish_at="")
    await eventually(lambda: draft.updates)
    assert "⛔ X: 300 Zeichen, erlaubt sind 280." in block_texts(draft.blocks)

    await bot.slack.click(CARLA, "intake.submit", buttons(draft.blocks)["intake.submit"])
    refusal = await eventually(
        lambda: [r for r in fake_slack.responses if "Noch nicht eingereicht" in r.get("text", "")]
    )
    assert "⛔ X: 300 Zeichen" in block_texts(refusal[0]["blocks"])
    async with bot.runtime.sessions() as session:
        assert await session.scalar(submitted_items) == 0

    await set_details(bot, fake_slack, draft, text="Kurz und gut.", channels="x", publish_at="")
    await eventually(lambda: "Passt zu allen" in block_texts(draft.blocks))
    await bot.slack.click(CARLA, "intake.submit", buttons(draft.blocks)["intake.submit"])
    await dm(fake_slack, BEN)


async def test_discarding_a_draft(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "doku.pdf", f.PDF, "Broschüre")
    draft = await dm(fake_slack, CARLA)
    assert "doku.pdf (PDF, " in block_texts(draft.blocks)
    assert not any(b["type"] == "image" for b in draft.blocks)
    draft_id = buttons(draft.blocks)["intake.submit"]
    await bot.slack.click(CARLA, "intake.discard", draft_id)
    await eventually(lambda: draft.updates)
    assert "Entwurf verworfen" in block_texts(draft.blocks) and buttons(draft.blocks) == {}
    await bot.slack.click(CARLA, "intake.submit", draft_id)  # a stale button elsewhere
    answer = await eventually(
        lambda: [
            r
            for r in fake_slack.responses
            if "schon eingereicht oder verworfen" in r.get("text", "")
        ]
    )
    assert answer
    async with bot.runtime.sessions() as session:
        assert await session.scalar(submitted_items) == 0


async def test_bad_details_change_nothing(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "visual.png", f.png(1200, 1200), "Text")
    draft = await dm(fake_slack, CARLA)
    await set_details(bot, fake_slack, draft, channels="linkedin tiktok", publish_at="")
    said = await eventually(lambda: [e for e in fake_slack.ephemerals if "tiktok" in e["text"]])
    assert "Diese Kanäle kenne ich nicht: tiktok" in said[0]["text"]
    await set_details(bot, fake_slack, draft, channels="linkedin", publish_at="irgendwann")
    said = await eventually(lambda: [e for e in fake_slack.ephemerals if "irgendwann" in e["text"]])
    assert "verstehe ich nicht" in said[0]["text"]
    assert draft.updates == []
    async with bot.runtime.sessions() as session:
        row = await session.scalar(select(IntakeDraft))
        assert row is not None and row.channels == [] and row.publish_at is None


async def test_someone_elses_draft_is_not_yours(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "visual.png", f.png(1200, 1200), "Text")
    draft = await dm(fake_slack, CARLA)
    await bot.slack.click(BEN, "intake.submit", buttons(draft.blocks)["intake.submit"])
    answer = await eventually(lambda: fake_slack.responses)
    assert "gehört jemand anderem" in answer[0]["text"]
    async with bot.runtime.sessions() as session:
        assert await session.scalar(submitted_items) == 0


async def test_a_repeated_delivery_makes_one_draft(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    info = fake_slack.add_file("FDUP", "visual.png", f.png(1200, 1200))
    event = file_share(CARLA, [info], "1700000200.000001")
    await bot.slack.event(event, event_id="EvDUP")
    await bot.slack.event(event, event_id="EvDUP", retry_num=1)
    await dm(fake_slack, CARLA)
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(IntakeDraft)) == 1
        assert await session.scalar(select(func.count()).select_from(DraftFile)) == 1


async def test_an_engine_action_from_teams_style_inputs_works_too(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """The details come back as a neutral Action with inputs, whatever platform sent them."""
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "visual.png", f.png(1080, 1350), "Text")
    draft = await dm(fake_slack, CARLA)
    await bot.runtime.engine.handle(
        Action(
            actor=Actor("slack", CARLA),
            event_key="test:details",
            reply_context={"platform": "slack", "user": CARLA, "channel": f"D{CARLA}"},
            action="intake.details.saved",
            value=buttons(draft.blocks)["intake.submit"],
            inputs={"channels": "instagram", "publish_at": "morgen 12 Uhr"},
        )
    )
    await eventually(lambda: draft.updates)
    assert "Instagram" in block_texts(draft.blocks) and "12:00" in block_texts(draft.blocks)


async def test_an_image_bomb_is_refused_naming_the_pixel_limit(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """A small PNG of 13,000 × 13,000 pixels would decode into 169 MB: it is refused from its
    header, the limit named, nothing stored, and the server never decoded it."""
    people_on_slack(fake_slack)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    await send_file(bot, fake_slack, "bombe.png", f.png_bomb(), "Unser Poster")
    said = await eventually(lambda: fake_slack.ephemerals)
    text = said[0]["text"] + "\n" + block_texts(said[0]["blocks"])
    assert (
        "bombe.png: Das Bild hat 169 Megapixel (13000 × 13000) – erlaubt sind höchstens "
        "50 Megapixel." in text
    )
    assert "Nichts wurde gespeichert" in text
    async with bot.runtime.sessions() as session:
        for model in (IntakeDraft, DraftFile, Attachment):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
    assert BlobStore(data_dir(bot)).files() == []
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 100, f"the peak memory grew by {grown_mb:.0f} MB: the image was decoded"
