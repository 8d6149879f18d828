"""`/desk status`, `/desk stats`, the meeting agenda and `/desk departments` over thousands of
items: the answers are right, long lists show their first 15 lines and "… und N weitere", and
the number of SQL statements a report runs does not grow with the number of items.

The pipeline is seeded with bulk inserts (tests/reports_support.py says what every item is),
then each report is asked through the function its handler calls, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meeting import notify
from bot.meeting.agenda import items_of
from bot.meeting.service import next_meeting
from bot.messages import Message, Section
from bot.orgconfig import OrgConfig
from bot.people.service import person_by_handle
from storage.db import SessionMaker
from storage.models import Person
from tests.bench import reports as bench
from tests.reports_support import REPORTS, ben_waiting, pending, report, seed

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday; the meeting is Tuesday 10:00


def lines(section: Section) -> list[str]:
    """A section's lines as a reader sees them: its text, then a bullet per list item."""
    return [*section.text.splitlines(), *(f"• {item}" for item in section.items)]


def shown(message: Message) -> str:
    return "\n".join([message.text, *("\n".join(lines(s)) for s in message.sections)])


def section(message: Message, heading: str) -> list[str]:
    """The lines of the section that starts with `heading`."""
    found = [lines(s) for s in message.sections if s.text.startswith(heading)]
    assert found, f"no section {heading!r} in:\n{shown(message)}"
    return found[0]


async def ask(maker: SessionMaker, org: OrgConfig, name: str, handle: str) -> tuple[Message, int]:
    """The report as `handle` sees it, and how many SQL statements building it ran."""
    async with maker() as session:
        person = await person_by_handle(session, handle)
        assert person is not None
        with counting(session) as statements:
            message = await report(name, session, org, person, NOW)
        return message, len(statements)


@contextmanager
def counting(session: AsyncSession) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_reports_over_2000_items_are_right_and_cut(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    async with sessions.begin() as session:
        await seed(session, 2000, NOW)
        await session.execute(update(Person).where(Person.handle == "anna").values(locale="en"))
    assert (ben_waiting(2000), pending(2000)) == (1600, 1700)

    status, _ = await ask(sessions, org, "status", "ben")
    waiting = section(status, "*Wartet auf deine Freigabe (1.600)*")
    assert len(waiting) == 1 + 15 + 1
    assert waiting[1].startswith("• #4 „Beitrag 4“ – Fachliche Freigabe – seit ")
    assert waiting[1].endswith("(Frist 25.11.2026, 17:01)")
    assert waiting[2].startswith("• #6 „Beitrag 6“")  # #5: Ben has approved, Eva decides
    assert waiting[-1] == "• … und 1.585 weitere"

    status, _ = await ask(sessions, org, "status", "felix")
    mine = section(status, "*Deine Einreichungen (1.000)*")
    assert mine[1].startswith("• #2 „Beitrag 2“ – Ben Weber bittet um Änderungen")
    assert mine[2].startswith("• #4 „Beitrag 4“ – Fachliche Freigabe bei Anna Schmidt, Ben Weber")
    assert mine[-1] == "• … und 985 weitere" and len(mine) == 17

    stats, _ = await ask(sessions, org, "stats", "anna")  # English
    assert section(stats, "*Per stage (until decided)*")[1:] == [
        "• Recht: median 24 h (100 decisions)",
        "• Fachliche Freigabe: median 2 h (300 decisions)",
        "• Social Media: median 1 h (100 decisions)",
    ]
    assert section(stats, "*Per approver*")[1:] == [
        "• automatic (deadline): median 24 h (100 decisions)",
        "• Ben Weber: median 2 h (300 decisions)",
        "• Anna Schmidt: median 1 h (100 decisions)",
    ]
    assert section(stats, "*Per department (since submission)*")[1:] == [
        "• Marketing: median 3 h (400 decisions)",
        "• Produktmanagement: median 1 h (100 decisions)",
    ]
    now_waiting = section(stats, "*Waiting now*")
    assert now_waiting[1].startswith("• Anna Schmidt – #4 “Beitrag 4” (Fachliche Freigabe)")
    assert now_waiting[2].startswith("• Ben Weber – #4 “Beitrag 4” (Fachliche Freigabe)")
    assert now_waiting[3].startswith("• Eva Lang – #5 “Beitrag 5” (Fachliche Freigabe)")
    assert now_waiting[-1] == "• … and 1,785 more" and len(now_waiting) == 17

    agenda, _ = await ask(sessions, org, "agenda", "ben")
    awaiting = section(agenda, "Wartet auf Freigabe (älteste zuerst)")
    assert awaiting[1].startswith("• #4 „Beitrag 4“ – Fachliche Freigabe, seit ")
    assert awaiting[1].endswith("wartet auf Anna Schmidt, Ben Weber ⚠ überfällig")
    assert awaiting[2].endswith("wartet auf Eva Lang ⚠ überfällig")
    assert awaiting[-1] == "• … und 1.685 weitere" and len(awaiting) == 17
    text = shown(agenda)  # planned: a list per channel, then what was cut
    planned = text[text.index("Freigegeben und geplant") : text.index("Offene Inhalts")]
    planned = planned.splitlines()
    assert planned[1:3] == ["LinkedIn:", "• 01.12.2026, 13:00 – #1 Beitrag 1"]
    assert planned[-1] == "… und 85 weitere" and len(planned) == 1 + 1 + 15 + 1
    assert section(agenda, "Freigabedauer letzte Woche")[1:] == [
        "• Median 1 Std. (400 Stufen entschieden)",
        "• Am längsten gewartet wurde auf Ben Weber (3 Std.)",
    ]
    requests = section(agenda, "Offene Inhaltsanfragen (nach Frist)")
    assert requests[1] == "• #1 „Fotos für Beitrag 1“ – David Krause, fällig 30.11.2026, 14:00"
    assert requests[-1] == "• … und 25 weitere"

    async with sessions() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        schedule, occ = await next_meeting(session=session, org=org, now=NOW) or (None, None)
        assert schedule is not None and occ is not None
        ctx = notify.agenda_context(session=session, org=org, schedule=schedule, occ=occ, now=NOW)
        reminder = await items_of(ctx, ben)  # what Ben's meeting reminder lists
    assert reminder[0].startswith("#4 „Beitrag 4“ wartet auf deine Freigabe (seit ")
    assert reminder[-1] == "… und 1.585 weitere" and len(reminder) == 16

    departments, _ = await ask(sessions, org, "departments", "ben")
    text = shown(departments)
    assert "Mitglieder: Carla Neumann (1.000 Beiträge)" in text
    assert "Leitung: Felix Wolf (1.000 Beiträge)" in text
    assert "Beiträge in 30 Tagen: 1.000 · gelieferte Anfragen: 0" in text
    assert "Könnten mitmachen: Ben Weber" in text


async def test_the_statements_a_report_runs_do_not_grow_with_the_items(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    async with sessions.begin() as session:
        await seed(session, 100, NOW)
    small = {name: await ask(sessions, org, name, "ben") for name in REPORTS}
    async with sessions.begin() as session:
        await seed(session, 900, NOW, offset=100)
    large = {name: await ask(sessions, org, name, "ben") for name in REPORTS}

    assert "Wartet auf deine Freigabe (80)" in shown(small["status"][0])
    assert "Wartet auf deine Freigabe (800)" in shown(large["status"][0])
    for name in REPORTS:
        assert shown(small[name][0]) != shown(large[name][0]), name
        assert 0 < small[name][1] == large[name][1], (name, small[name][1], large[name][1])


async def test_the_report_bench_runs(database_url: str) -> None:
    """`make bench` builds its report rows with this; a small run keeps it from rotting."""
    rows = await bench.run(200, [("db", database_url)])
    assert [r.unit for r in rows] == ["ms"] * len(REPORTS)
    assert all(r.baseline > 0 and r.measured > 0 and r.lost == 0 for r in rows)
    assert "approver with 160 pending" in rows[0].scenario
