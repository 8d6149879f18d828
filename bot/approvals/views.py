"""What approval messages look like, as neutral messages in the reader's language."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot import i18n
from bot.approvals import states
from bot.board import links as board_links
from bot.channels.checks import Finding
from bot.forms import Form, TextInput
from bot.i18n import Reader
from bot.intake import views as intake_views
from bot.messages import Button, Fact, Link, Message, Run, Section
from bot.orgconfig import ChannelConfig, OrgConfig
from storage.models import ApprovalRequest, ContentItem, ContentVersion, Person, RequestApprover

APPROVE = "approval.approve"
REJECT = "approval.reject"
CHANGES = "approval.changes"
REJECT_SUBMIT = "approval.reject.submit"
CHANGES_SUBMIT = "approval.changes.submit"
REVISE = "approval.revise"
REVISE_SUBMIT = "approval.revise.submit"
WITHDRAW = "approval.withdraw"
COMMENT = "comment"
TEXT = "text"
CONTEXT_WORDS = 8  # unchanged words kept on each side of a change in a word diff
# A decided request's colour (Message.tone).
_TONES: dict[str, Literal["good", "attention", "warning"]] = {
    states.APPROVED: "good",
    states.REJECTED: "attention",
    states.CHANGES_REQUESTED: "warning",
    states.WITHDRAWN: "warning",
    states.SUPERSEDED: "warning",
}


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
    # Who decided another stage of the item, with that stage's name: they may not decide
    # this one too (four eyes), which is why a `four_eyes` approver has it.
    other_stages: list[tuple[int, str]] = field(default_factory=list)
    # The organisation: channels are shown by their names.
    org: OrgConfig | None = None

    def row(self, person_id: int) -> RequestApprover | None:
        return next((a for a in self.request.approvers if a.person_id == person_id), None)

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id or 0)
        return person.name if person else "?"


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[Run]:
    """What changed, word by word: removed and added runs, unchanged words around them
    (long unchanged stretches shortened to their first and last words). Empty if equal."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    runs: list[Run] = []
    opcodes = matcher.get_opcodes()
    if all(op == "equal" for op, *_ in opcodes):
        return []
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            runs.append(Run(text=_context(a[i1:i2], first=n == 0, last=n == len(opcodes) - 1)))
            continue
        if i2 > i1:
            runs.append(Run(text="".join(a[i1:i2]), change="removed"))
            if j2 > j1:
                runs.append(Run(text=" "))  # the old words and the new ones apart
        if j2 > j1:
            runs.append(Run(text="".join(b[j1:j2]), change="added"))
    return [r for r in runs if r.text]


def _context(tokens: list[str], *, first: bool, last: bool) -> str:
    """An unchanged stretch, kept short: the words next to the changes, "…" between."""
    keep = CONTEXT_WORDS * 2  # tokens: a word and the space after it
    if len(tokens) <= keep * 2:
        return "".join(tokens)
    head = "" if first else "".join(tokens[:keep])
    tail = "" if last else "".join(tokens[-keep:])
    return f"{head} … {tail}".strip(" ") + (" " if not last else "")


def request_card(reader: Reader, facts: RequestFacts, viewer_id: int | None = None) -> Message:
    """The card a person sees for a request: buttons while it is theirs to decide."""
    request = facts.request
    row = facts.row(viewer_id) if viewer_id is not None else None
    notes: list[str] = []
    sections = [Section(text=facts.version.text)]
    sections += intake_views.channel_text_sections(
        reader.t, facts.org, facts.item.channels, facts.version.channel_texts or {}
    )
    sections.extend(
        intake_views.item_sections(
            reader.t, reader.when, facts.org, facts.item, facts.version, facts.findings
        )
    )
    before = facts.seen_before.get(viewer_id or 0)
    if before is not None:
        runs = word_diff(before.text, facts.version.text)
        if runs:
            heading = reader.t("approvals.card.diff", old=before.number, new=facts.version.number)
            sections.append(Section(text=heading, runs=runs))
        sections += _channel_diffs(reader, facts, before)
    sections.extend(_comment_sections(reader, facts, viewer_id))
    sections.extend(_board_sections(reader, facts.item.id))
    if row is not None and row.added_by in ("left", "moved"):  # bot/people/leavers.py
        notes.append(
            reader.t(f"people.note.{row.added_by}", name=facts.name(row.delegated_from_id))
        )
    elif row is not None and row.delegated_from_id:
        notes.append(reader.t("approvals.note.stand_in", name=facts.name(row.delegated_from_id)))
    if row is not None and row.added_by == "fallback":
        notes.append(reader.t("approvals.note.fallback", name=facts.submitter.name))
    if row is not None and row.added_by == "four_eyes" and facts.other_stages:
        notes.append(_four_eyes_note(reader, facts))
    stood_in = [a for a in request.approvers if a.delegated_from_id == viewer_id]
    if row is None and stood_in:
        handed_over = stood_in[0].added_by in ("left", "moved")  # bot/people/leavers.py
        key = "people.note.handed_over" if handed_over else "approvals.note.delegated"
        notes.append(reader.t(key, name=facts.name(stood_in[0].person_id)))
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
    title = _decided_title(reader, facts) or reader.t(
        "approvals.card.title", title=facts.item.title
    )
    if facts.urgent and request.status == states.PENDING:
        title = reader.t("crisis.urgent") + " " + title
    return Message(
        text=title,
        tone=_TONES.get(_shown_status(facts)),
        sections=sections,
        fields=_facts(reader, facts),
        images=intake_views.preview_images(facts.version.attachments),
        buttons=decision_buttons(reader, request.id) if can_decide else [],
        context=" ".join(notes),
        cut_note=reader.t("approvals.card.shortened", id=facts.item.id),
    )


def _shown_status(facts: RequestFacts) -> str:
    """The request's status, or `withdrawn` once the submitter took the item back (also
    after changes were requested)."""
    if facts.item.status == states.ITEM_WITHDRAWN:
        return states.WITHDRAWN
    return facts.request.status


def _decided_title(reader: Reader, facts: RequestFacts) -> str | None:
    """A decided card says so at the top: who decided what (None while it waits)."""
    request, title, status = facts.request, facts.item.title, _shown_status(facts)
    if status == states.PENDING:
        return None
    if status in (states.WITHDRAWN, states.SUPERSEDED):
        return reader.t(f"approvals.title.{status}", name=facts.submitter.name, title=title)
    if request.resolution == "timeout":
        return reader.t("approvals.title.timeout", title=title)
    deciders = [d.person_id for d in request.decisions if d.outcome == request.status]
    names = ", ".join(facts.name(p) for p in deciders) or "–"
    return reader.t(f"approvals.title.{request.status}", name=names, title=title)


def _comment_sections(reader: Reader, facts: RequestFacts, viewer_id: int | None) -> list[Section]:
    """What the deciders wrote (a reject reason, the changes wanted), as they sent it."""
    finished = facts.request.status != states.PENDING
    return [
        Section(
            text=reader.t("approvals.card.comment", name=facts.name(d.person_id)) + "\n" + d.comment
        )
        for d in facts.request.decisions
        if d.comment and (finished or d.person_id == viewer_id)
    ]


def _four_eyes_note(reader: Reader, facts: RequestFacts) -> str:
    others = ", ".join(
        reader.t("approvals.note.four_eyes_one", name=facts.name(pid), stage=stage)
        for pid, stage in facts.other_stages
    )
    return reader.t("approvals.note.four_eyes", who=others)


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
        buttons=revise_buttons(reader, item),
        context=reader.t("approvals.changes.hint", id=item.id),
        cut_note=reader.t("approvals.card.shortened", id=item.id),
    )


def revise_buttons(reader: Reader, item: ContentItem) -> list[Button]:
    """*Überarbeiten* while changes are wanted, *Zurückziehen* until a decision is made."""
    value = str(item.id)
    out = []
    if item.status == states.ITEM_CHANGES_REQUESTED:
        out.append(
            Button(
                label=reader.t("approvals.button.revise"),
                action=REVISE,
                value=value,
                style="primary",
            )
        )
    if item.status in states.WITHDRAWABLE:
        out.append(
            Button(
                label=reader.t("approvals.button.withdraw"),
                action=WITHDRAW,
                value=value,
                style="danger",
            )
        )
    return out


def _channel_diffs(reader: Reader, facts: RequestFacts, before: ContentVersion) -> list[Section]:
    """What changed in a channel's own text (one that has or had one; the others follow the
    main text, whose diff is above)."""
    now = facts.version
    names = {c.id: c.name for c in facts.org.channels} if facts.org else {}
    out = []
    for channel_id in facts.item.channels:
        if channel_id not in (before.channel_texts or {}) | (now.channel_texts or {}):
            continue
        runs = word_diff(before.text_for(channel_id), now.text_for(channel_id))
        if runs:
            name = names.get(channel_id, channel_id)
            heading = reader.t("approvals.card.diff_channel", channel=name)
            out.append(Section(text=heading, runs=runs))
    return out


def revise_form(
    reader: Reader,
    item: ContentItem,
    decided_by: Person | None,
    comment: str,
    channels: Sequence[ChannelConfig] = (),
) -> Form:
    """The current text to edit in place, with what the approver asked for above it, and
    each target channel's own text (`channels`) beside it."""
    intro = reader.t("approvals.form.revise.intro", id=item.id, title=item.title)
    if decided_by is not None and comment:
        intro += (
            "\n" + reader.t("approvals.form.revise.asked", name=decided_by.name) + " " + comment
        )
    return Form(
        title=reader.t("approvals.form.revise.title"),
        submit_label=reader.t("approvals.form.revise.submit"),
        action=REVISE_SUBMIT,
        value=str(item.id),
        intro=intro,
        inputs=[
            TextInput(
                name=TEXT,
                label=reader.t("approvals.form.revise.label"),
                multiline=True,
                required=True,
                initial=item.latest.text,
                error=reader.t("approvals.form.revise.empty"),
            ),
            *intake_views.channel_text_inputs(reader.t, channels, item.latest.channel_texts or {}),
        ],
    )


@dataclass(frozen=True)
class Progress:
    """Where a submitted item stands, for the submitter's status message."""

    stages: list[str]
    current: int
    with_: list[Person]
    decided_by: Person | None = None


_STATUS_TONES: dict[str, Literal["good", "attention", "warning"]] = {
    states.ITEM_APPROVED: "good",
    states.ITEM_REJECTED: "attention",
    states.ITEM_CHANGES_REQUESTED: "warning",
    states.ITEM_WITHDRAWN: "warning",
}


def submission_status(reader: Reader, item: ContentItem, progress: Progress) -> Message:
    """The submitter's message about an item, updated in place at every step."""
    name = progress.decided_by.name if progress.decided_by else "–"
    text = reader.t(
        f"approvals.status_card.{item.status}",
        id=item.id,
        title=item.title,
        names=_names(progress.with_) or "–",
        name=name,
        stage=progress.stages[progress.current] if progress.current < len(progress.stages) else "",
    )
    done = item.status == states.ITEM_APPROVED
    path = " → ".join(
        ("✅ " if done or i < progress.current else "") + stage
        for i, stage in enumerate(progress.stages)
    )
    fields = [Fact(label=reader.t("approvals.field.path"), value=path)]
    if item.status == states.ITEM_IN_REVIEW:
        fields.append(
            Fact(label=reader.t("approvals.field.now_with"), value=_names(progress.with_))
        )
    return Message(
        text=text,
        sections=_board_sections(reader, item.id),
        fields=fields,
        buttons=revise_buttons(reader, item),
        tone=_STATUS_TONES.get(item.status),
        context=reader.t("approvals.card.ref", id=item.id, version=item.latest.number),
    )


def _board_sections(reader: Reader, item_id: int) -> list[Section]:
    """A button to the item's page on the board, where every version, file and decision is
    shown; none when chat cannot reach the board (no SOCIALDESK_PUBLIC_URL)."""
    url = board_links.item_url(item_id)
    if url is None:
        return []
    link = Link(label=reader.t("board.chat.open"), url=url)
    return [Section(text=reader.t("board.chat.item", id=item_id), link=link)]


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
