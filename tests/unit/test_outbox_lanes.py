"""Which lane a row goes into: people who just acted first, everything else bulk."""

from __future__ import annotations

import asyncio

from bot.outbox.service import BULK, INTERACTIVE, interactive, lane_for


def test_rows_are_bulk_unless_written_while_someone_acts() -> None:
    assert lane_for("post") == BULK
    with interactive():
        assert lane_for("post") == INTERACTIVE
        assert lane_for("room") == INTERACTIVE
    assert lane_for("post") == BULK


def test_replies_and_card_updates_are_always_interactive() -> None:
    assert lane_for("reply") == INTERACTIVE
    assert lane_for("update") == INTERACTIVE


async def test_the_lane_belongs_to_the_task_that_handles_the_event() -> None:
    """A timer running beside a person's event (another task) still writes bulk."""
    seen: list[str] = []
    acting = asyncio.Event()

    async def person() -> None:
        with interactive():
            acting.set()
            await asyncio.sleep(0.01)
            seen.append(lane_for("post"))

    async def timer() -> None:
        await acting.wait()
        seen.append(lane_for("post"))

    await asyncio.gather(person(), timer())
    assert seen == [BULK, INTERACTIVE]
