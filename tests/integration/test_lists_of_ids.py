"""`one_of`: the same rows as IN and NOT IN on both databases, for any number of ids, none
included (on PostgreSQL it is one array parameter, `= ANY`)."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import SessionMaker, one_of
from storage.models import Person


async def test_one_of_and_its_negation_pick_the_same_rows_as_in(sessions: SessionMaker) -> None:
    async with sessions() as session:
        everyone = list((await session.scalars(select(Person.id).order_by(Person.id))).all())
        assert len(everyone) >= 4
        for wanted in ([], everyone[:1], everyone[1:4], [*everyone[:2], 999_999]):
            inside = await session.scalars(
                select(Person.id).where(one_of(session, Person.id, wanted)).order_by(Person.id)
            )
            outside = await session.scalars(
                select(Person.id).where(~one_of(session, Person.id, wanted)).order_by(Person.id)
            )
            assert list(inside) == [i for i in everyone if i in wanted]
            assert list(outside) == [i for i in everyone if i not in wanted]
