"""Property: whatever happens in whatever order — approvals, rejections, requests for changes,
revisions, deadlines passing, late clicks on old cards — an item reaches a final state at most
once and never leaves it, a request is decided at most once, and no version is approved that
the approver was not shown."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.approvals import service, states
from bot.orgconfig import OrgConfig, parse_config
from bot.people.service import person_by_handle, sync_organisation
from storage.db import SessionMaker, create_engine, create_sessionmaker
from storage.models import (
    ApprovalRequest,
    AuditEntry,
    Base,
    ContentItem,
    Decision,
    OutboxMessage,
    Person,
)
from tests.conftest import EXAMPLE_CONFIG

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def property_org() -> OrgConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["people"].append(
        {"handle": "gina", "name": "Gina Roth", "email": "gina@beispiel.de", "roles": ["legal"]}
    )
    raw["approval_paths"]["standard"] = {
        "stages": [
            {"name": "Lead", "approvers": ["lead"], "sla": "1h", "escalate_to": "anna"},
            {
                "name": "Recht",
                "approvers": ["role:legal"],
                "mode": "all",
                "sla": "1h",
                "on_timeout": "approve",
            },
            {"name": "Social Media", "approvers": ["anna", "david"], "sla": "1h"},
        ]
    }
    return parse_config(raw)


ORG = property_org()
OUTCOMES = st.sampled_from([states.APPROVED, states.REJECTED, states.CHANGES_REQUESTED])
STEP = st.one_of(
    st.tuples(st.just("decide"), OUTCOMES, st.integers(0, 20)),
    st.tuples(st.just("revise"), st.just(""), st.just(0)),
    st.tuples(st.just("timeout"), st.just(""), st.just(0)),
    st.tuples(st.just("late"), OUTCOMES, st.integers(0, 20)),
)


async def _snapshot(maker: SessionMaker) -> tuple[Any, ...]:
    async with maker() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (ApprovalRequest, Decision)
        ]
        return (item.status, len(item.versions), *counts)


async def _run(steps: list[tuple[str, str, int]], workdir: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'p.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    maker = create_sessionmaker(engine)
    async with maker.begin() as session:
        await sync_organisation(session, ORG)
    async with maker.begin() as session:
        carla = await person_by_handle(session, "carla")
        assert carla is not None
        item, _, _ = await service.submit(
            session=session, org=ORG, submitter=carla, text="Version 1", now=START
        )
        item_id, carla_id = item.id, carla.id
    final: tuple[Any, ...] | None = None
    decided: dict[int, str] = {}
    now = START
    for n, (kind, outcome, pick) in enumerate(steps):
        now += timedelta(minutes=7)
        async with maker.begin() as session:
            item = await session.get_one(ContentItem, item_id)
            requests = (
                await session.scalars(
                    select(ApprovalRequest)
                    .where(ApprovalRequest.item_id == item_id)
                    .order_by(ApprovalRequest.id)
                )
            ).all()
            current = requests[-1]
            everyone = (await session.scalars(select(Person).order_by(Person.id))).all()
            if kind in ("decide", "late"):
                target = current if kind == "decide" else requests[pick % len(requests)]
                candidates = [*target.approver_ids, *(p.id for p in everyone)]
                person = await session.get_one(Person, candidates[pick % len(candidates)])
                latest_id = item.latest.id
                result = await service.decide(
                    session=session,
                    org=ORG,
                    request_id=target.id,
                    person=person,
                    outcome=outcome,
                    now=now,
                    comment=f"Kommentar {n}",
                )
                if result.status == "recorded" and outcome == states.APPROVED:
                    # Only the current version can be approved, by someone who was shown it.
                    assert result.request.version_id == latest_id
                    shown = await session.scalar(
                        select(OutboxMessage.id).where(
                            OutboxMessage.key == f"approval:{target.id}:{person.id}",
                            OutboxMessage.kind == "post",
                        )
                    )
                    assert shown is not None
            elif kind == "revise":
                submitter = await session.get_one(Person, carla_id)
                await service.revise(
                    session=session,
                    org=ORG,
                    item_id=item_id,
                    person=submitter,
                    text=f"Version {n}",
                    now=now,
                )
            else:
                await service.sla_passed(session=session, org=ORG, request_id=current.id, now=now)
        async with maker() as session:
            for request in (await session.scalars(select(ApprovalRequest))).all():
                if request.id in decided:  # a decided request stays decided, the same way
                    assert request.status == decided[request.id]
                elif request.status != states.PENDING:
                    decided[request.id] = request.status
            finished = await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action.in_(["content.approved", "content.rejected"]))
            )
            assert finished in (0, 1)
        snapshot = await _snapshot(maker)
        if final is not None:
            assert snapshot == final, "a final state was left"
        elif snapshot[0] in states.ITEM_FINAL:
            final = snapshot
    async with maker() as session:
        item = await session.get_one(ContentItem, item_id)
        if item.status == states.ITEM_APPROVED:
            last = await session.scalar(
                select(ApprovalRequest)
                .where(ApprovalRequest.item_id == item_id)
                .order_by(ApprovalRequest.id.desc())
            )
            assert last is not None and last.version_id == item.latest.id
            assert last.stage_index == len(ORG.approval_paths["standard"].stages) - 1
    await engine.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=25))
def test_final_states_are_reached_once_and_only_seen_versions_are_approved(
    steps: list[tuple[str, str, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_run(steps, Path(tmp)))


def test_changes_requested_ends_a_stage_like_a_rejection() -> None:
    assert states.request_status("all", [1, 2], {1: states.CHANGES_REQUESTED}) == (
        states.CHANGES_REQUESTED
    )
    assert states.request_status("any", [1, 2], {2: states.CHANGES_REQUESTED}) == (
        states.CHANGES_REQUESTED
    )


def test_the_person_a_stage_escalated_to_decides_it_alone() -> None:
    assert states.request_status("all", [1, 2], {3: states.APPROVED}, overriders=[3]) == (
        states.APPROVED
    )
    assert states.request_status("all", [1, 2], {1: states.APPROVED}, overriders=[3]) == (
        states.PENDING
    )
