"""Decisions end to end: an approver's click → the database → the submitter told and the card
updated, at concurrency 16.

Baseline, same run, same database and fake Slack: a bare slack-bolt app doing the irreducible
work of a decision — one UPDATE and one INSERT in a transaction and one `chat.postMessage`.
Also reported: the same number of decisions by APPROVERS people (the inbox handles each
person's events in order, so one approver's clicks wait for each other, whatever the
concurrency), and the acknowledgement p99 of the signed clicks, against the bare app's.
Both apps run alike, each in its own process (tests/bench/processes.py); the load generator and
the fake Slack stay in the bench process. On PostgreSQL also the decisions by APPROVERS people
on 2 replicas (2 processes, one database, clicks round-robin) against 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.bench.bare import CHANNEL, prepare_decisions
from tests.bench.common import Row
from tests.bench.harness import bare_bolt, load, percentile, socialdesk, until
from tests.bench.processes import ROOT, Child
from tests.bench.replica import UNPACED, bot_env
from tests.fakes.slack_api import FakeSlackApi
from tests.support import buttons

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"
CONCURRENCY = 16
APPROVERS = 16  # in the scale-out scenario: as many conversations as clicks in flight


@dataclass(frozen=True)
class Timed:
    """A timed phase: its seconds, each click's acknowledgement, and the cores kept busy
    meanwhile by the servers under test and by the bench process (load generator, fake
    Slack) — on a shared machine, what says whether a ratio was starved."""

    seconds: float
    acks: list[float]
    servers_cores: float
    bench_cores: float
    # The p99 of the acknowledgements as the bot itself timed them (request read to answer),
    # as the /metrics bucket bound it fell under: the clients' figure adds this process's
    # own delays, where the fake Slack answers the bot's calls (four per decision, the bare
    # app's one) beside the load generator.
    server_ack_p99: float | None = None

    def cores(self) -> str:
        return f"CPU servers {self.servers_cores:.2f} cores, bench {self.bench_cores:.2f}"


class Phase:
    """Started when made; `done` says how long it took and how busy each side was."""

    def __init__(self, servers: list[Child]) -> None:
        self._servers = servers
        self._cpu = sum(c.cpu_seconds() for c in servers)
        self._bench_cpu = time.process_time()
        self._started = time.perf_counter()

    def done(self, acks: list[float]) -> Timed:
        seconds = time.perf_counter() - self._started
        cpu = sum(c.cpu_seconds() for c in self._servers) - self._cpu
        bench_cpu = time.process_time() - self._bench_cpu
        return Timed(seconds, acks, cpu / seconds, bench_cpu / seconds)


async def bare_decisions(n: int, url: str, fake: FakeSlackApi) -> Timed:
    """The least a bolt app can do per decision, on the same database, in its own process."""
    await prepare_decisions(url, n)
    before = len(fake.posts_in(CHANNEL))
    async with bare_bolt(url, fake) as (bare, slack):
        phase = Phase([bare])
        _, acks = await load(
            [lambda i=i: slack.click(BEN, "approve", str(i)) for i in range(n)], CONCURRENCY
        )
        await until(lambda: len(fake.posts_in(CHANNEL)) - before >= n)
        return phase.done(acks)


async def socialdesk_decisions(n: int, url: str, fake: FakeSlackApi, *, replicas: int = 1) -> Timed:
    """n items at Anna's stage (submitted by Carla, approved by Ben: not timed), then Anna's n
    approvals, timed until Carla was told of each and each of Anna's cards was updated. With
    several replicas (one process each) on one database, the clicks go round-robin."""
    fake.add_user(CARLA, "carla@beispiel.de")
    fake.add_user(BEN, "ben@beispiel.de")
    async with contextlib.AsyncExitStack() as stack:
        bots = [
            await stack.enter_async_context(
                socialdesk(bot_env(url, fake, SOCIALDESK_OUTBOX_RATE=UNPACED), fake)
            )
            for _ in range(replicas)
        ]
        clients = [slack for _, slack in bots]
        slack = clients[0]
        await load(
            [lambda i=i: slack.command(CARLA, "/submit", f"Beitrag {i}") for i in range(n)], 8
        )
        await until(lambda: len(fake.dms_to(BEN)) >= n)
        values = [buttons(p.blocks)["approval.approve"] for p in fake.dms_to(BEN)[:n]]
        await load([lambda v=v: slack.click(BEN, "approval.approve", v) for v in values], 8)
        await until(lambda: len(fake.dms_to(ANNA)) >= n)
        cards = fake.dms_to(ANNA)[:n]
        told_before = len(fake.dms_to(CARLA))
        acked_before = await ack_histogram([bot for bot, _ in bots])
        phase = Phase([bot for bot, _ in bots])
        _, acks = await load(
            [
                lambda c=c, k=k: clients[k % replicas].click(
                    ANNA, "approval.approve", buttons(c.blocks)["approval.approve"]
                )
                for k, c in enumerate(cards)
            ],
            CONCURRENCY,
        )
        await until(
            lambda: len(fake.dms_to(CARLA)) - told_before >= n and all(c.updates for c in cards)
        )
        timed = phase.done(acks)
        acked = await ack_histogram([bot for bot, _ in bots])
        return dataclasses.replace(timed, server_ack_p99=p99_bound(acked_before, acked))


async def ack_histogram(bots: list[Child]) -> dict[float, float]:
    """How many Slack requests each bot acknowledged within each bucket bound, so far."""
    counts: dict[float, float] = {}
    async with aiohttp.ClientSession() as http:
        for bot in bots:
            async with http.get(f"{bot.url}/metrics") as response:
                text = await response.text()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "socialdesk_ack_seconds_bucket" and (
                        sample.labels.get("platform") == "slack"
                    ):
                        bound = float(sample.labels["le"])
                        counts[bound] = counts.get(bound, 0.0) + sample.value
    return counts


def p99_bound(before: dict[float, float], after: dict[float, float]) -> float:
    """The smallest bucket bound under which 99 % of the acknowledgements in between fell."""
    between = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    total = between[math.inf]
    return next(bound for bound, count in between.items() if count >= 0.99 * total)


async def run(n: int, urls: list[tuple[str, str]], folder: Path) -> list[Row]:
    rows: list[Row] = []
    for label, url in urls:
        fake = FakeSlackApi()
        await fake.start()
        try:
            base = await bare_decisions(n, url, fake)
            ours = await socialdesk_decisions(n, url, fake)
            spread = await spread_decisions(n, url, fake, folder, replicas=1)
        finally:
            await fake.stop()
        rows.append(
            Row(
                f"{n} decisions end to end, c={CONCURRENCY}",
                label,
                "decisions/s",
                n / base.seconds,
                n / ours.seconds,
                note="baseline: bare bolt app, UPDATE+INSERT + chat.postMessage; outbox "
                f"unpaced like the bare app (the fake sets no limit); "
                f"bare: {base.cores()}; ours: {ours.cores()}",
                target="≥ 0.5×",
            )
        )
        rows.append(
            Row(
                f"{n} decisions by {APPROVERS} approvers, c={CONCURRENCY}",
                label,
                "decisions/s",
                n / base.seconds,
                n / spread.seconds,
                note="baseline: the bare bolt app above; one approver's clicks are handled one "
                f"after the other (inbox order per person), these need not; {spread.cores()}",
                target="≥ 0.5×",
            )
        )
        rows.append(
            Row(
                f"ack p99 of {n} signed clicks, c={CONCURRENCY}",
                label,
                "ms",
                percentile(base.acks, 99) * 1000,
                percentile(ours.acks, 99) * 1000,
                note="baseline: the same bare bolt app's ack, as the clients saw both; the "
                f"bot's own p99 (request read to answer, /metrics): ≤ {_ms(ours.server_ack_p99)}; "
                "target: < 50 ms absolute",
            )
        )
    return rows


def _ms(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds * 1000:.0f} ms"


def many_approvers(folder: Path) -> Path:
    """The example organisation plus APPROVERS departments, each with a lead who approves
    alone what its one member submits: decisions that need not wait for each other."""
    raw: dict[str, Any] = yaml.safe_load(
        (ROOT / "socialdesk.example.yaml").read_text(encoding="utf-8")
    )
    raw["approval_paths"]["einstufig"] = {
        "stages": [{"name": "Freigabe", "approvers": ["lead"], "sla": "4h"}]
    }
    for k in range(APPROVERS):
        for who in ("lead", "member"):
            raw["people"].append(
                {"handle": f"{who}{k}", "name": f"{who} {k}", "email": f"{who}{k}@beispiel.de"}
            )
        raw["departments"].append(
            {
                "id": f"abteilung{k}",
                "name": f"Abteilung {k}",
                "lead": f"lead{k}",
                "members": [f"member{k}"],
                "approval_path": "einstufig",
            }
        )
    path = folder / "many-approvers.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _slack_id(who: str, k: int) -> str:
    return f"U0{who.upper()}{k:02d}"


async def spread_decisions(
    n: int, url: str, fake: FakeSlackApi, folder: Path, *, replicas: int
) -> Timed:
    """n items, item i submitted by member i % APPROVERS; then each approved by its member's
    lead, timed until every submitter was told and every lead's card updated. The clicks go
    round-robin over the replicas."""
    for k in range(APPROVERS):
        for who in ("lead", "member"):
            fake.add_user(_slack_id(who, k), f"{who}{k}@beispiel.de")
    env = bot_env(
        url, fake, SOCIALDESK_CONFIG=many_approvers(folder), SOCIALDESK_OUTBOX_RATE=UNPACED
    )
    members = [_slack_id("member", i % APPROVERS) for i in range(n)]
    async with contextlib.AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(socialdesk(env, fake)) for _ in range(replicas)]
        clients = [slack for _, slack in bots]
        await load(
            [
                lambda i=i, m=m: clients[0].command(m, "/submit", f"Beitrag {i}")
                for i, m in enumerate(members)
            ],
            8,
        )
        leads = {f"D{_slack_id('lead', k)}" for k in range(APPROVERS)}
        submitters = {f"D{m}" for m in members}

        def dms(channels: set[str]) -> int:
            return sum(1 for m in list(fake.messages.values()) if m.channel in channels)

        # Each lead has the items' cards, each submitter a status DM per item (updated in
        # place from now on); "told" is the new DM that the item is approved.
        await until(lambda: dms(leads) >= n and dms(submitters) >= n)
        cards = [m for m in fake.messages.values() if m.channel in leads]  # as submitted
        told_before = dms(submitters)
        phase = Phase([bot for bot, _ in bots])
        _, acks = await load(
            [
                lambda c=c, k=k: clients[k % replicas].click(
                    c.channel[1:], "approval.approve", buttons(c.blocks)["approval.approve"]
                )
                for k, c in enumerate(cards)
            ],
            CONCURRENCY,
        )
        await until(lambda: dms(submitters) - told_before >= n and all(c.updates for c in cards))
        return phase.done(acks)


async def scale_out(n: int, one: str, two: str, folder: Path) -> Row:
    """Adding a replica adds throughput: decisions by APPROVERS people on 2 replicas sharing
    one PostgreSQL database against 1 replica, each on a fresh database, same run. (One
    approver's clicks are handled in the order they came, one at a time whatever the number
    of replicas: the inbox keeps each person's events in order.)"""
    timings = []
    for url, count in ((one, 1), (two, 2)):
        fake = FakeSlackApi()
        await fake.start()
        try:
            timings.append(await spread_decisions(n, url, fake, folder, replicas=count))
        finally:
            await fake.stop()
    return Row(
        f"{n} decisions by {APPROVERS} approvers, 2 replicas vs 1",
        "PostgreSQL",
        "decisions/s",
        n / timings[0].seconds,
        n / timings[1].seconds,
        note="baseline: the same decisions on 1 replica process; 2 processes, one database, "
        f"clicks round-robin; 1: {timings[0].cores()}; 2: {timings[1].cores()}",
    )
