"""*Beitrag*: one item as the desk sees it — every version with what changed, the text per
channel with its channel-fit findings, the files, the approval stages and everything that
happened to it, with who and when (in the organisation's timezone, the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.board.context import Forbidden, NotFound, Viewer, board_of, render
from bot import i18n
from bot.approvals.history import ItemRecord, item_record
from bot.approvals.reports import may_see_history
from bot.approvals.views import word_diff
from bot.channels.checks import Finding
from bot.channels.items import item_findings
from bot.channels.views import finding_lines
from bot.crisis.timeline import may_see
from bot.i18n import Reader
from bot.ids import parse_id
from bot.messages import Run
from bot.orgconfig import OrgConfig
from storage.models import (
    ApprovalRequest,
    Attachment,
    AuditEntry,
    ContentVersion,
    Decision,
    Person,
)


async def page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    item_id = parse_id(request.match_info["id"])
    if item_id is None:
        raise NotFound()
    board = board_of(request)
    org = board.org()
    async with board.sessions() as session:
        record = await item_record(session, item_id)
        if record is None:
            raise NotFound()
        crisis_team = record.is_statement and await may_see(session, org, viewer.person_id)
        if record.is_statement and not crisis_team:
            raise Forbidden()
        decisions = crisis_team or await _may_see_decisions(session, record, viewer)
    reader = viewer.reader
    return render(
        request,
        "item.html",
        viewer,
        item=_header(reader, org, record),
        channels=_channels(reader, org, record),
        versions=_versions(reader, org, record),
        decisions=decisions,
        stages=[_stage(reader, record, r) for r in reversed(record.requests)] if decisions else [],
        history=_history(reader, org, record) if decisions else [],
        tz=str(reader.tz),
    )


async def _may_see_decisions(session: AsyncSession, record: ItemRecord, viewer: Viewer) -> bool:
    """The whole organisation sees the item; its decisions and the approvers' comments only
    whoever `/desk history` shows them to (submitter, approvers, social media)."""
    person = await session.get(Person, viewer.person_id)
    return person is not None and await may_see_history(session, record.item, person)


# --- what the template gets ----------------------------------------------------------------


def state_label(reader: Reader, status: str) -> str:
    """An item's state by the name approvals gives it, or the board's for the later ones."""
    for key in (f"approvals.item_status.{status}", f"board.item.status.{status}"):
        if key in i18n.catalog():
            return reader.t(key)
    return status


def _header(reader: Reader, org: OrgConfig, record: ItemRecord) -> dict[str, Any]:
    item = record.item
    path = org.approval_paths.get(item.approval_path)
    return {
        "id": item.id,
        "title": item.title,
        "department": record.department,
        "submitter": record.name(item.submitter_id),
        "state": state_label(reader, item.status),
        "status": item.status,
        "path": (path.name if path and path.name else item.approval_path),
        "created": reader.when(item.created_at),
        "publish_at": reader.when(item.publish_at) if item.publish_at else None,
        "statement": record.is_statement,
    }


@dataclass(frozen=True)
class ChannelView:
    name: str
    text: str
    own_text: bool
    findings: list[str]
    blocking: bool
    state: str | None = None
    planned: str | None = None
    done: str | None = None
    url: str | None = None
    reason: str | None = None


def _channels(reader: Reader, org: OrgConfig, record: ItemRecord) -> list[ChannelView]:
    """Each target channel: the text that goes out there, its findings, its posting."""
    item, latest = record.item, record.item.latest
    names = {c.id: c.name for c in org.channels}
    findings = item_findings(org, item, latest)
    postings = {p.channel: p for p in record.postings}
    out = []
    for channel_id in dict.fromkeys(item.channels):
        name = names.get(channel_id, channel_id)
        mine: list[Finding] = [f for f in findings if f.channel == name]
        posting = postings.get(channel_id)
        out.append(
            ChannelView(
                name=name,
                text=latest.text_for(channel_id),
                own_text=bool((latest.channel_texts or {}).get(channel_id)),
                findings=finding_lines(reader.t, mine),
                blocking=any(f.blocking for f in mine),
                state=reader.t(f"publishing.state.{posting.status}") if posting else None,
                planned=_when(reader, posting.planned_at) if posting else None,
                done=_when(reader, posting.done_at) if posting else None,
                url=_web_link(posting.url) if posting else None,
                reason=posting.reason if posting else None,
            )
        )
    return out


@dataclass(frozen=True)
class FileView:
    name: str
    media_type: str
    size: str
    href: str
    thumb: str | None
    dimensions: str | None


@dataclass(frozen=True)
class VersionView:
    number: int
    author: str
    when: str
    text: str
    diff: list[Run]
    channel_diffs: list[tuple[str, list[Run]]]
    channel_texts: list[tuple[str, str]]
    files: list[FileView] = field(default_factory=list)


def _versions(reader: Reader, org: OrgConfig, record: ItemRecord) -> list[VersionView]:
    """Newest first, each with its word diff against the one before."""
    names = {c.id: c.name for c in org.channels}
    out = []
    before: ContentVersion | None = None
    for version in record.item.versions:
        texts = version.channel_texts or {}
        channel_diffs = []
        if before is not None:
            for channel_id in dict.fromkeys([*(before.channel_texts or {}), *texts]):
                runs = word_diff(before.text_for(channel_id), version.text_for(channel_id))
                if runs:
                    channel_diffs.append((names.get(channel_id, channel_id), runs))
        out.append(
            VersionView(
                number=version.number,
                author=record.name(version.author_id),
                when=reader.when(version.created_at),
                text=version.text,
                diff=word_diff(before.text, version.text) if before else [],
                channel_diffs=channel_diffs,
                channel_texts=[(names.get(c, c), t) for c, t in texts.items() if t.strip()],
                files=[_file(reader, a) for a in version.attachments],
            )
        )
        before = version
    return out[::-1]


def _file(reader: Reader, attachment: Attachment) -> FileView:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in attachment.filename)
    is_image = attachment.media_type.startswith("image/")
    dimensions = (
        f"{attachment.width}×{attachment.height}"
        if attachment.width and attachment.height
        else None
    )
    return FileView(
        name=attachment.filename,
        media_type=attachment.media_type,
        size=_size(reader, attachment.size),
        href=f"/files/{attachment.sha256}/{safe[:100] or 'file'}",
        thumb=f"/board/thumbs/{attachment.sha256}" if is_image else None,
        dimensions=dimensions,
    )


def _size(reader: Reader, size: int) -> str:
    if size < 1024 * 1024:
        return reader.t("board.item.kb", n=max(1, round(size / 1024)))
    return reader.t("board.item.mb", n=f"{size / 1024 / 1024:.1f}")


@dataclass(frozen=True)
class ApproverView:
    name: str
    note: str | None
    outcome: str | None
    when: str | None
    comment: str | None


@dataclass(frozen=True)
class StageView:
    name: str
    version: int | str
    state: str
    status: str
    opened: str
    due: str | None
    approvers: list[ApproverView]


def _stage(reader: Reader, record: ItemRecord, request: ApprovalRequest) -> StageView:
    numbers = {v.id: v.number for v in record.item.versions}
    decided = {d.person_id: d for d in request.decisions}
    people = []
    for row in request.approvers:
        decision = decided.pop(row.person_id, None)
        note = None
        if row.delegated_from_id:
            note = reader.t("approvals.history.for", name=record.name(row.delegated_from_id))
        elif row.added_by == "escalation":
            note = reader.t("approvals.history.by_escalation")
        people.append(_approver(reader, record.name(row.person_id), note, decision))
    # Someone who decided without being on the list any more (a leaver replaced).
    people += [_approver(reader, record.name(d.person_id), None, d) for d in decided.values()]
    return StageView(
        name=request.stage_name,
        version=numbers.get(request.version_id, "?"),
        state=reader.t(f"board.item.request.{request.status}"),
        status=request.status,
        opened=reader.when(request.created_at),
        due=_when(reader, request.due_at),
        approvers=people,
    )


def _approver(
    reader: Reader, name: str, note: str | None, decision: Decision | None
) -> ApproverView:
    if decision is None:
        return ApproverView(name, note, None, None, None)
    return ApproverView(
        name,
        note,
        reader.t(f"board.item.request.{decision.outcome}"),
        reader.when(decision.decided_at),
        decision.comment,
    )


@dataclass(frozen=True)
class EventView:
    at: datetime
    when: str
    who: str | None
    text: str
    comment: str | None = None


def _history(reader: Reader, org: OrgConfig, record: ItemRecord) -> list[EventView]:
    """The audit log of the item and what crises did to it, newest first."""
    names = {c.id: c.name for c in org.channels}
    events = [_audit_event(reader, names, record, e) for e in record.audit]
    for link in record.crisis_links:
        if link.kind in ("held", "statement"):
            text = reader.t(f"board.item.event.crisis_{link.kind}", crisis=link.crisis_id)
            events.append(EventView(link.created_at, reader.when(link.created_at), None, text))
    events.reverse()  # at one instant too, what was recorded last comes first
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def _audit_event(
    reader: Reader, names: dict[str, str], record: ItemRecord, entry: AuditEntry
) -> EventView:
    """`names`: the channels' names by id, made once for the whole history."""
    d = entry.details or {}
    channel = str(d.get("channel") or "")
    params: dict[str, object] = {
        "stage": d.get("stage") or "",
        "version": d.get("version") or "",
        "channel": names.get(channel, channel),
        "at": _iso_when(reader, d.get("at")),
        "crisis": d.get("crisis") or "",
        "people": ", ".join(
            record.handles.get(str(h), str(h)) for h in d.get("approvers") or d.get("to") or []
        ),
        "percent": d.get("percent") or "",
    }
    key = f"board.item.event.{entry.action}"
    if key in i18n.catalog():
        text = reader.t(key, **params)
    else:
        text = reader.t("board.item.event.other", action=entry.action)
    comment = d.get("comment") or d.get("url") or None
    who = record.name(entry.actor_id) if entry.actor_id else None
    return EventView(entry.at, reader.when(entry.at), who, text, str(comment) if comment else None)


def _web_link(url: str | None) -> str | None:
    """A posting's link as typed by a person: shown as a link only if it is a web address
    (never `javascript:` or `data:`), else left out."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _when(reader: Reader, value: datetime | None) -> str | None:
    return reader.when(value) if value else None


def _iso_when(reader: Reader, value: object) -> str:
    try:
        return reader.when(datetime.fromisoformat(str(value)))
    except ValueError:
        return ""
