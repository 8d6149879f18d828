"""Answers that more than one way in shares: a revision typed with `/revise` or sent as a file."""

from __future__ import annotations

from bot.approvals import service
from bot.context import Context
from bot.people.service import people_by_id


async def tell_revision(ctx: Context, item_id: int, result: service.RevisionResult) -> None:
    """What became of a revision, typed (`/revise`) or sent as a file."""
    if result.status == "not_found":
        ctx.reply(ctx.t("approvals.item_unknown", id=item_id))
    elif result.status == "not_submitter":
        ctx.reply(ctx.t("approvals.revise.not_submitter", id=item_id))
    elif result.status == "not_waiting":
        assert result.item is not None
        status = ctx.t(f"approvals.item_status.{result.item.status}")
        ctx.reply(ctx.t("approvals.revise.not_waiting", id=item_id, status=status))
    elif result.status == "revised":
        assert result.item is not None and result.request is not None
        first = await people_by_id(ctx.session, result.request.approver_ids)
        ctx.reply(
            ctx.t(
                "approvals.revise.done",
                id=item_id,
                n=result.item.latest.number,
                stage=result.request.stage_name,
                names=", ".join(p.name for p in first),
            )
        )
