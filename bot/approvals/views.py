"""What approval messages look like, as neutral messages in the reader's language."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from bot import i18n
from bot.approvals import states
from bot.channels.checks import Finding
from bot.forms import Form, TextInput
from bot.i18n import Reader
from bot.intake import views as intake_views
from bot.messages import Button, Fact, Message, Section
from storage.models import ApprovalRequest, ContentItem, ContentVersion, Person, RequestApprover

APPROVE = "approval.approve"
REJECT = "approval.reject"
CHANGES = "approval.changes"
REJECT_SUBMIT = "approval.reject.submit"
CHANGES_SUBMIT = "approval.changes.submit"
COMMENT = "comment"
DIFF_LIMIT = 60  # lines


@dataclass(frozen=True)
class RequestFacts:
    item: ContentItem
    version: ContentVersion
    request: ApprovalRequest
    submitter: Person
    department: str | None
    stage_count: int
    approvers: list[Person]
    # Everyone the request concerns (approvers, the people they stand in for), by id.
    people: dict[int, Person] = field(default_factory=dict)
    # Per viewer: the text of the version they saw last, if it was another one.
    seen_before: dict[int, ContentVersion] = field(default_factory=dict)
    # Channel-fit findings for the item's target channels (bot/channels).
    findings: list[Finding] = field(default_factory=list)
    # On the crisis approval path: shown as most urgent (bot/crisis).
    urgent: bool = False

    def row(self, person_id: int) -> RequestApprover | None:
        return next((a for a in self.request.approvers if a.person_id == person_id), None)

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id or 0)
        return person.name if person else "?"


def text_diff(old: str, new: str) -> str:
    """A line diff of what changed: `- ` removed, `+ ` added."""
    lines = [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]
    if len(lines) > DIFF_LIMIT:
        lines = [*lines[:DIFF_LIMIT], "…"]
    return "\n".join(line[:1] + " " + line[1:] for line in lines)


def request_card(reader: Reader, facts: RequestFacts, viewer_id: int | None = None) -> Message:
    """The card a person sees for a request: buttons while it is theirs to decide."""
    request = facts.request
    row = facts.row(viewer_id) if viewer_id is not None else None
    notes: list[str] = []
    sections = [Section(text=facts.version.text)]
    sections.extend(
        intake_views.item_sections(
            reader.t, reader.when, None, facts.item, facts.version, facts.findings
        )
    )
    before = facts.seen_before.get(viewer_id or 0)
    if before is not None:
        diff = text_diff(before.text, facts.version.text)
        if diff:
            sections.append(
                Section(
                    text=reader.t(
                        "approvals.card.diff",
                        old=before.number,
                        new=facts.version.number,
                    )
                    + "\n"
                    + diff
                )
            )
    if row is not None and row.delegated_from_id:
        notes.append(reader.t("approvals.note.stand_in", name=facts.name(row.delegated_from_id)))
    if row is not None and row.added_by == "fallback":
        notes.append(reader.t("approvals.note.fallback", name=facts.submitter.name))
    stood_in = [a for a in request.approvers if a.delegated_from_id == viewer_id]
    if row is None and stood_in:
        notes.append(reader.t("approvals.note.delegated", name=facts.name(stood_in[0].person_id)))
    escalated_to = [a.person_id for a in request.approvers if a.added_by == "escalation"]
    if request.escalated_at is not None:
        if row is not None and row.added_by == "escalation":
            notes.append(
                reader.t("approvals.note.escalated_to_you", when=reader.when(request.escalated_at))
            )
        else:
            notes.append(
                reader.t(
                    "approvals.note.escalated",
                    names=", ".join(facts.name(p) for p in escalated_to) or "–",
                    when=reader.when(request.escalated_at),
                )
            )
    notes.extend(_decision_notes(reader, facts, viewer_id))
    mine = any(d.person_id == viewer_id for d in request.decisions)
    can_decide = request.status == states.PENDING and row is not None and not mine
    notes.append(reader.t("approvals.card.ref", id=facts.item.id, version=facts.version.number))
    title = reader.t("approvals.card.title", title=facts.item.title)
    if facts.urgent:
        title = reader.t("crisis.urgent") + " " + title
    return Message(
        text=title,
        sections=sections,
        fields=_facts(reader, facts),
        image=intake_views.preview_image(reader.t, facts.version.attachments),
        buttons=decision_buttons(reader, request.id) if can_decide else [],
        context=" ".join(notes),
        cut_note=reader.t("approvals.card.shortened", id=facts.item.id),
    )


def decision_buttons(reader: Reader, request_id: int) -> list[Button]:
    value = str(request_id)
    return [
        Button(
            label=reader.t("approvals.button.approve"), action=APPROVE, value=value, style="primary"
        ),
        Button(label=reader.t("approvals.button.changes"), action=CHANGES, value=value),
        Button(
            label=reader.t("approvals.button.reject"), action=REJECT, value=value, style="danger"
        ),
    ]


def _decision_notes(reader: Reader, facts: RequestFacts, viewer_id: int | None) -> list[str]:
    request = facts.request
    if request.resolution == "timeout" and request.decided_at is not None:
        return [reader.t("approvals.decided.timeout", when=reader.when(request.decided_at))]
    finished = request.status != states.PENDING
    shown = [d for d in request.decisions if finished or d.person_id == viewer_id]
    notes = [
        reader.t(
            f"approvals.decided.{d.outcome}",
            name=facts.name(d.person_id),
            when=reader.when(d.decided_at),
        )
        for d in shown
    ]
    if shown and not finished:
        decided = {d.person_id for d in request.decisions}
        waiting = [a.person_id for a in request.approvers if a.person_id not in decided]
        if waiting:
            notes.append(
                reader.t(
                    "approvals.decided.waiting", names=", ".join(facts.name(p) for p in waiting)
                )
            )
    return notes


def comment_form(reader: Reader, outcome: str, request_id: int, title: str) -> Form:
    """Reject and Request changes ask for a reason first."""
    changes = outcome == states.CHANGES_REQUESTED
    kind = "changes" if changes else "reject"
    return Form(
        title=reader.t(f"approvals.form.{kind}.title"),
        submit_label=reader.t(f"approvals.form.{kind}.submit"),
        action=CHANGES_SUBMIT if changes else REJECT_SUBMIT,
        value=str(request_id),
        intro=reader.t("approvals.form.intro", title=title),
        inputs=[
            TextInput(
                name=COMMENT,
                label=reader.t(f"approvals.form.{kind}.label"),
                multiline=True,
                required=True,
                error=reader.t("approvals.form.comment_required"),
            )
        ],
    )


def submitted(
    reader: Reader,
    item: ContentItem,
    stages: list[str],
    first: list[Person],
    why: str | None = None,
) -> Message:
    fields = [Fact(label=reader.t("approvals.field.path"), value=" → ".join(stages))]
    if why:
        fields.append(Fact(label=reader.t("approvals.field.why"), value=why))
    fields.append(Fact(label=reader.t("approvals.field.now_with"), value=_names(first)))
    return Message(
        text=reader.t("approvals.submitted", id=item.id, title=item.title), fields=fields
    )


def path_reason(
    reader: Reader, path: str, reason: str, matched: tuple[tuple[str, str], ...]
) -> str:
    if reason == "rule":
        parts = [reader.t(f"approvals.why.match.{kind}", value=value) for kind, value in matched]
        return reader.t("approvals.why.rule", path=path, because=", ".join(parts))
    if reason == "department":
        return reader.t(
            "approvals.why.department", path=path, value=matched[0][1] if matched else ""
        )
    return reader.t(f"approvals.why.{reason}", path=path)


def finished(
    reader: Reader, item: ContentItem, decided_by: Person | None, comment: str | None
) -> Message:
    if item.status == states.ITEM_APPROVED:
        return Message(text=reader.t("approvals.finished.approved", id=item.id, title=item.title))
    text = reader.t(
        "approvals.finished.rejected",
        id=item.id,
        title=item.title,
        name=decided_by.name if decided_by else "?",
    )
    sections = [Section(text=comment)] if comment else []
    return Message(
        text=text,
        sections=sections,
        cut_note=reader.t("approvals.card.shortened", id=item.id),
    )


def changes_requested(
    reader: Reader, item: ContentItem, stage: str, decided_by: Person, comment: str
) -> Message:
    return Message(
        text=reader.t(
            "approvals.changes.title",
            id=item.id,
            title=item.title,
            name=decided_by.name,
            stage=stage,
        ),
        sections=[Section(text=comment)],
        context=reader.t("approvals.changes.hint", id=item.id),
        cut_note=reader.t("approvals.card.shortened", id=item.id),
    )


def reminder(reader: Reader, facts: RequestFacts, viewer_id: int, now: datetime) -> Message:
    card = request_card(reader, facts, viewer_id)
    due = facts.request.due_at
    left = i18n.format_age(due - now, reader.locale) if due and due > now else "0"
    return card.model_copy(
        update={
            "text": reader.t("approvals.reminder.title", title=facts.item.title, left=left),
        }
    )


def _facts(reader: Reader, facts: RequestFacts) -> list[Fact]:
    out = [
        Fact(label=reader.t("approvals.field.submitter"), value=facts.submitter.name),
        Fact(
            label=reader.t("approvals.field.stage"),
            value=reader.t(
                "approvals.stage_of",
                name=facts.request.stage_name,
                n=facts.request.stage_index + 1,
                total=facts.stage_count,
            ),
        ),
    ]
    if facts.department:
        out.append(Fact(label=reader.t("approvals.field.department"), value=facts.department))
    if facts.request.due_at:
        out.append(
            Fact(label=reader.t("approvals.field.due"), value=reader.when(facts.request.due_at))
        )
    if len(facts.approvers) > 1:
        mode_key = "approvals.mode.all" if facts.request.mode == "all" else "approvals.mode.any"
        out.append(
            Fact(
                label=reader.t("approvals.field.approvers"),
                value=f"{_names(facts.approvers)} ({reader.t(mode_key)})",
            )
        )
    return out


def _names(people: list[Person]) -> str:
    return ", ".join(p.name for p in people)
