"""`make bench` in small, so it cannot rot: every scenario runs and nothing is lost or sent
twice. Timings are the bench's business, never the test suite's."""

from __future__ import annotations

from pathlib import Path

from tests.bench.run import SMOKE, collect, table


async def test_every_bench_scenario_runs_and_loses_nothing(tmp_path: Path) -> None:
    rows = await collect(SMOKE, ["SQLite"], tmp_path)
    print(table(rows))
    scenarios = {r.scenario.split(" ", 1)[1].split(",")[0] for r in rows}
    assert len(rows) >= 8, scenarios
    assert all(r.baseline > 0 and r.measured > 0 for r in rows)
    assert [r for r in rows if r.lost or r.twice] == []
