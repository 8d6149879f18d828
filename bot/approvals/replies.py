"""Answers that more than one way in shares: a submission typed or sent as a file, a
revision typed with `/revise` or sent as a file."""

from __future__ import annotations

from bot.approvals import notify, service, views
from bot.context import Context
from bot.people.service import people_by_id, reader_for


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
    elif result.status == "empty":
        ctx.reply(ctx.t("approvals.form.revise.empty"))
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


async def tell_submitted(ctx: Context, submission: service.Submission) -> None:
    """Where the submission went, why that path, and who has it now."""
    item, request, choice = submission
    reader = reader_for(ctx.person, ctx.org)
    why = views.path_reason(reader, ctx.org.path_name(choice.name), choice.reason, choice.matched)
    stages = [s.name for s in ctx.org.approval_paths[item.approval_path].stages]
    first = await people_by_id(ctx.session, request.approver_ids)
    ctx.reply(views.submitted(reader, item, stages, first, why))
    await notify.post_submitter_status(ctx.session, ctx.org, item, ctx.now)


async def tell_withdrawn(ctx: Context, item_id: int, result: service.WithdrawResult) -> None:
    if result.status == "not_found":
        ctx.reply(ctx.t("approvals.item_unknown", id=item_id))
    elif result.status == "not_submitter":
        ctx.reply(ctx.t("approvals.withdraw.not_submitter", id=item_id))
    elif result.status == "too_late":
        assert result.item is not None
        status = ctx.t(f"approvals.item_status.{result.item.status}")
        ctx.reply(ctx.t("approvals.withdraw.too_late", id=item_id, status=status))
    else:
        ctx.reply(ctx.t("approvals.withdraw.done", id=item_id))
