"""Engine and session setup: aiosqlite's interface on the loop's thread for sqlite URLs
(storage/sqlite.py), asyncpg for postgresql URLs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import QueryableAttribute

from storage import sqlite
from storage.pool import UrgentFirstPool

SessionMaker = async_sessionmaker[AsyncSession]
T = TypeVar("T")
ColumnLike = ColumnElement[T] | QueryableAttribute[T]


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (both databases speak it):
    "record once" in one statement, where a savepoint and a caught IntegrityError take three."""
    return pg_insert if _postgres(session) else sqlite_insert


def one_of(
    session: AsyncSession, column: ColumnLike[T], values: Collection[T]
) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter whatever the
    number of values. An IN list is a new statement for every length, which asyncpg prepares
    (a round trip) and caches anew on each pooled connection; the dispatcher's batches and
    the fan-out's lists vary in length all the time. SQLite has no arrays and prepares
    nothing, so it keeps IN. Negated (`~`) it is NOT IN, or NOT (column = ANY(array))."""
    if _postgres(session):
        array: ARRAY[Any] = ARRAY(column.type)
        return column == any_(bindparam(None, list(values), type_=array))
    return column.in_(values)


def normalise_url(url: str) -> str:
    """Accept plain `sqlite:///` and `postgresql://` URLs and pick the async driver."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, poolclass=UrgentFirstPool, **kwargs)
    # SQLite has one writer at a time anyway. One connection per process makes the waiting
    # happen in asyncio instead of in SQLite's busy handler, which sleeps up to 100 ms
    # between tries; recording an event goes first (storage/pool.py), the rest in turn.
    kwargs |= {"pool_size": 1, "max_overflow": 0, "poolclass": UrgentFirstPool}
    path = make_url(url).database or ":memory:"
    engine = create_async_engine(url, async_creator=sqlite.connector(path), **kwargs)
    _make_sqlite_a_single_writer(engine)
    return engine


def _make_sqlite_a_single_writer(engine: AsyncEngine) -> None:
    """Every transaction takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE).

    Decisions are read-then-write; with deferred transactions two of them could both read
    "pending". Taking the lock up front serialises them, as a row lock does on PostgreSQL.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync per commit
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class _Session(AsyncSession):
    """An AsyncSession that gives its connection back as it leaves its `async with`.

    SQLAlchemy closes it in a task of its own (so that a cancel cannot cut the close in
    half), which runs a turn of the event loop later: until then the connection stays out,
    and on SQLite, with its one connection, every acknowledgement waits behind whatever else
    that turn runs. Here it is closed at once, and only a close cut short is finished
    SQLAlchemy's way.
    """

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await self.close()
        except BaseException:  # cut short (a cancel while PostgreSQL answers): finish shielded
            await super().__aexit__(type_, value, traceback)
            raise


class _Commit:
    """`sessions.begin()`: commit (or roll back) and close in the caller's task, for the
    reason above; SQLAlchemy's own moves the commit to the next turn, the write lock held.
    Its own class, not a subclass of SQLAlchemy's private one, which may change in any
    release."""

    def __init__(self, session: AsyncSession) -> None:
        self.async_session = session

    async def __aenter__(self) -> AsyncSession:
        self.trans = self.async_session.begin()
        await self.trans.__aenter__()
        return self.async_session

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await self.trans.__aexit__(type_, value, traceback)
        finally:
            await self.async_session.__aexit__(type_, value, traceback)


class _Sessionmaker(async_sessionmaker[AsyncSession]):
    def begin(self) -> _Commit:  # type: ignore[override]  # the same `async with` contract
        return _Commit(self())


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return _Sessionmaker(engine, class_=_Session, expire_on_commit=False)


def is_transient(exc: BaseException) -> bool:
    """The database could not be reached or was busy: the same work may succeed later, as
    opposed to a bug or a constraint, which fails the same way every time."""
    if isinstance(exc, OperationalError | InterfaceError | SATimeoutError | OSError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return type(exc).__module__.startswith("asyncpg") and "Connection" in type(exc).__name__
