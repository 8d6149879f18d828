"""Whether a crisis holds an item's approval: asked by the approval service before a decision.

Kept free of other feature imports so the approval service can ask without an import cycle.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CrisisContent

HELD = "held"


async def is_held(session: AsyncSession, item_id: int) -> bool:
    """True while an open crisis holds this item's approval (decisions wait until resolve)."""
    held = await session.scalar(
        select(CrisisContent.id)
        .where(
            CrisisContent.item_id == item_id,
            CrisisContent.kind == HELD,
            CrisisContent.state == HELD,
        )
        .limit(1)
    )
    return held is not None
