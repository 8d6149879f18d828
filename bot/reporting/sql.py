"""SQL the reports share, on SQLite and PostgreSQL: durations in seconds or whole weeks, medians
per group, and a list cut to its first lines with the count of all.

Medians are computed by the database (row_number and count over each group, the middle one or
two rows kept), so a report reads one row per group instead of every decision ever made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Float, Integer, Row, Select, Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

_Ts = TypeVarTuple("_Ts")


class seconds_between(FunctionElement[float]):
    """`later - earlier` in seconds, as a float, for two timestamp columns."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


def _operands(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    later, earlier = list(element.clauses)
    return compiler.process(later, **kw), compiler.process(earlier, **kw)


@compiles(seconds_between)
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    # julianday is a float of days: rounded to milliseconds so 2 h stays 7200.0, not 7199.9999.
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


class weeks_since(FunctionElement[int]):
    """Whole weeks from `earlier` to `later` (two timestamps; later >= earlier)."""

    type = Integer()
    inherit_cache = True
    name = "weeks_since"


@compiles(weeks_since)
def _weeks_postgresql(element: weeks_since, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 604800) AS INTEGER)"


@compiles(weeks_since, "sqlite")
def _weeks_sqlite(element: weeks_since, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _operands(element, compiler, **kw)
    return f"CAST((julianday({later}) - julianday({earlier})) / 7 AS INTEGER)"


@dataclass(frozen=True)
class Median:
    median: timedelta
    n: int


async def medians(session: AsyncSession, rows: Subquery) -> dict[tuple[Any, ...], Median]:
    """The median of the last column of `rows` (seconds) per group of the other columns, with
    the number of rows in each group; keyed by the tuple of the group's values."""
    *groups, value = rows.c
    ranked = select(
        *groups,
        func.row_number().over(partition_by=groups, order_by=value).label("rn"),
        func.count().over(partition_by=groups).label("n"),
        value.label("seconds"),
    ).subquery()
    *keys, rn, n, seconds = ranked.c
    result = await session.execute(
        select(*keys, n, func.avg(seconds))
        .where(rn.between((n + 1) // 2, (n + 2) // 2))
        .group_by(*keys, n)
    )
    return {
        tuple(row[:-2]): Median(timedelta(seconds=round(float(row[-1]), 3)), int(row[-2]))
        for row in result.all()
    }


async def first_and_total(
    session: AsyncSession, rows: Select[*_Ts], limit: int
) -> tuple[list[Row[*_Ts]], int]:
    """The first `limit` of `rows` (ordered) and how many there are in all. Two statements:
    the list can stop early along an index, and the count sorts nothing."""
    counted = select(func.count()).select_from(rows.order_by(None).subquery())
    total = int(await session.scalar(counted) or 0)
    found = list((await session.execute(rows.limit(limit))).all()) if total else []
    return found, total
