"""What the crisis protocol looks like: neutral messages in the reader's language, and the
report as Markdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import i18n
from bot.forms import Form, TextInput
from bot.messages import Button, Fact, Link, Message, Section
from storage.models import (
    ContentItem,
    Crisis,
    CrisisCheck,
    CrisisContent,
    CrisisEvent,
    CrisisMember,
    Person,
)

ACK = "crisis.ack"
RESUME_ALL = "crisis.resume_all"
RESUME_SOME = "crisis.resume_some"
KEEP_FROZEN = "crisis.keep_frozen"
RESUME_ITEM = "crisis.resume_item"
STATEMENT_WITHDRAW = "crisis.statement_withdraw"
SUSPECT = "crisis.suspect"
SUSPECT_SUBMIT = "crisis.suspect.submit"
NOTE = "note"
# What a refused declaration carries to the *Verdacht melden* form (a button value is short).
SUSPECT_VALUE_LIMIT = 1000
STATEMENT_CONTINUE = "crisis.statement_continue"
SEVERITY = "severity"
APPROVED_CHECK = "statement_approved"
# The checklist, in order. Severity is ticked with one of three buttons, the rest with one each.
CHECKLIST = (
    SEVERITY,
    "monitoring",
    "holding_statement",
    APPROVED_CHECK,
    "statement_published",
    "stakeholders",
)
SEVERITIES = ("1", "2", "3")
TIMELINE_IN_STATUS = 15


def check_action(item: str) -> str:
    return f"crisis.check.{item}"


def severity_action(level: str) -> str:
    return f"crisis.severity.{level}"


@dataclass(frozen=True)
class Reader(i18n.Reader):
    """Crisis texts also speak in spans: how long until the first acknowledgement."""

    def span(self, value: timedelta) -> str:
        seconds = max(0, int(value.total_seconds()))
        if seconds < 60:
            return self.t("crisis.span.seconds", n=seconds)
        minutes = seconds // 60
        if minutes < 60:
            return self.t("crisis.span.minutes", n=minutes)
        return self.t("crisis.span.hours", h=minutes // 60, m=minutes % 60)


Builder = Callable[[Reader], Message]


@dataclass(frozen=True)
class Facts:
    crisis: Crisis
    members: list[CrisisMember]
    checks: list[CrisisCheck]
    events: list[CrisisEvent]
    content: list[CrisisContent]
    items: dict[int, ContentItem]
    people: dict[int, Person]
    now: datetime
    # Roles by the names the organisation gives them (no raw ids in text).
    role_names: dict[str, str] = field(default_factory=dict)

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id) if person_id is not None else None
        return person.name if person else "?"

    def check(self, item: str) -> CrisisCheck | None:
        return next((c for c in self.checks if c.item == item), None)


def _title(r: Reader, crisis: Crisis) -> str:
    return r.t("crisis.title", id=crisis.id, what=crisis.description)


def _team_lines(r: Reader, f: Facts) -> list[str]:
    lines = []
    for m in f.members:
        if m.acked_at is not None:
            lines.append(
                r.t("crisis.team.acked", name=f.name(m.person_id), time=r.time(m.acked_at))
            )
        else:
            lines.append(r.t("crisis.team.waiting", name=f.name(m.person_id), n=m.pages))
    return lines


def checklist_lines(r: Reader, f: Facts) -> list[str]:
    """Numbered, because `/crisis check N` ticks item N."""
    lines = []
    for n, item in enumerate(CHECKLIST, start=1):
        label = r.t(f"crisis.check.{item}")
        done = f.check(item)
        if done is None:
            lines.append(f"{n}. ☐ {label}")
            continue
        if item == SEVERITY and done.value:
            label = r.t("crisis.check.severity_done", level=done.value)
        who = r.t("crisis.check.by", name=f.name(done.done_by_id), when=r.when(done.done_at))
        lines.append(f"{n}. ☑ {label} – {who}")
    return lines


def protocol(r: Reader, f: Facts) -> Message:
    crisis = f.crisis
    fields = [
        Fact(label=r.t("crisis.field.declared_by"), value=f.name(crisis.declared_by_id)),
        Fact(label=r.t("crisis.field.since"), value=r.when(crisis.declared_at)),
    ]
    frozen = [c for c in f.content if c.kind == "frozen"]
    held = [c for c in f.content if c.kind == "held"]
    if frozen or held:
        fields.append(
            Fact(
                label=r.t("crisis.field.content"),
                value=r.t("crisis.content_counts", frozen=len(frozen), held=len(held)),
            )
        )
    team = Section(text="*" + r.t("crisis.field.team") + "*", items=_team_lines(r, f))
    sections = [team, _checklist(r, f)]
    if crisis.status != "open":
        return Message(
            text=r.t("crisis.protocol.resolved_title", id=crisis.id, what=crisis.description),
            sections=sections,
            fields=fields,
            context=r.t(
                "crisis.protocol.resolved",
                name=f.name(crisis.resolved_by_id),
                when=r.when(crisis.resolved_at or f.now),
            ),
        )
    buttons: list[Button] = []
    value = str(crisis.id)
    for item in CHECKLIST:
        if f.check(item) is not None:
            continue
        if item == SEVERITY:
            buttons += [
                Button(
                    label=r.t("crisis.button.severity", level=level),
                    action=severity_action(level),
                    value=value,
                    style="danger" if level == "1" else None,
                )
                for level in SEVERITIES
            ]
        else:
            buttons.append(
                Button(label=r.t(f"crisis.check.{item}"), action=check_action(item), value=value)
            )
    return Message(
        text=_title(r, crisis),
        sections=sections,
        fields=fields,
        buttons=buttons,
        context=r.t("crisis.protocol.commands"),
    )


def page(r: Reader, crisis: Crisis, declarer: Person, n: int) -> Message:
    text = r.t("crisis.page.title", what=crisis.description)
    if n > 1:
        text = r.t("crisis.page.again", n=n) + " " + text
    return Message(
        text=text,
        fields=[
            Fact(label=r.t("crisis.field.declared_by"), value=declarer.name),
            Fact(label=r.t("crisis.field.since"), value=r.when(crisis.declared_at)),
        ],
        buttons=[
            Button(
                label=r.t("crisis.button.ack"), action=ACK, value=str(crisis.id), style="primary"
            )
        ],
        context=r.t("crisis.page.hint", id=crisis.id),
    )


def page_acknowledged(r: Reader, crisis: Crisis, declarer: Person, at: datetime) -> Message:
    card = page(r, crisis, declarer, 1)
    return card.model_copy(
        update={"buttons": [], "context": r.t("crisis.page.acked", when=r.when(at))}
    )


def update_posted(r: Reader, crisis: Crisis, person: Person, text: str) -> Message:
    return Message(
        text=r.t("crisis.update.posted", id=crisis.id, name=person.name),
        sections=[Section(text=text)],
        locale=r.locale,
    )


def update_reminder(r: Reader, crisis: Crisis, last: datetime) -> Message:
    return Message(
        text=r.t("crisis.update.reminder", id=crisis.id, what=crisis.description),
        context=r.t("crisis.update.last", when=r.when(last)),
    )


def statement_submitted(
    r: Reader, item: ContentItem, person: Person, approvers: list[Person]
) -> Message:
    return Message(
        text=r.t("crisis.statement.submitted", id=item.id, name=person.name),
        sections=[Section(text=item.latest.text)],
        fields=[
            Fact(label=r.t("crisis.field.approvers"), value=", ".join(p.name for p in approvers))
        ],
        cut_note=r.t("approvals.card.shortened", id=item.id),
    )


def statement_decided(r: Reader, item: ContentItem, decider: Person | None) -> Message:
    key = "crisis.statement.approved" if item.status == "approved" else "crisis.statement.rejected"
    return Message(
        text=r.t(key, id=item.id, title=item.title, name=decider.name if decider else "?")
    )


def refused(r: Reader, description: str) -> Message:
    """Not allowed to declare: offer to report the suspicion to those who may."""
    return Message(
        text=r.t("crisis.refused"),
        buttons=[
            Button(
                label=r.t("crisis.button.suspect"),
                action=SUSPECT,
                value=description[:SUSPECT_VALUE_LIMIT],
                style="primary",
            )
        ],
    )


def suspect_form(r: Reader, note: str) -> Form:
    return Form(
        title=r.t("crisis.suspect.title"),
        submit_label=r.t("crisis.suspect.submit"),
        action=SUSPECT_SUBMIT,
        intro=r.t("crisis.suspect.intro"),
        inputs=[
            TextInput(
                name=NOTE,
                label=r.t("crisis.suspect.label"),
                multiline=True,
                initial=note or None,
                error=r.t("crisis.suspect.empty"),
            )
        ],
    )


def suspicion(r: Reader, reporter: Person, note: str) -> Message:
    """What the people who may declare read: who suspects what, and how to declare."""
    return Message(
        text=r.t("crisis.suspect.alert", name=reporter.name),
        sections=[Section(text=note)],
        context=r.t("crisis.suspect.how"),
        locale=r.locale,
    )


def resolved(r: Reader, crisis: Crisis, statements: list[ContentItem]) -> Message:
    """The resolver's answer; statements still in approval are theirs to settle."""
    done = r.t("crisis.resolve.done", id=crisis.id)
    if not statements:
        return Message(text=done)
    buttons: list[Button] = []
    for item in statements:
        value = f"{crisis.id}:{item.id}"
        buttons += [
            Button(
                label=r.t("crisis.button.statement_withdraw", id=item.id),
                action=STATEMENT_WITHDRAW,
                value=value,
                style="danger",
            ),
            Button(
                label=r.t("crisis.button.statement_continue", id=item.id),
                action=STATEMENT_CONTINUE,
                value=value,
            ),
        ]
    return Message(
        text=done,
        sections=[
            Section(
                text=r.t("crisis.resolve.open_statements", n=len(statements)),
                items=[f"#{i.id} {i.title}" for i in statements],
            )
        ],
        buttons=buttons,
    )


def item_frozen(r: Reader, crisis: Crisis, item: ContentItem) -> Message:
    when = r.when(item.publish_at) if item.publish_at else "–"
    return Message(
        text=r.t("crisis.frozen.title", id=item.id, title=item.title),
        context=r.t("crisis.frozen.why", crisis=crisis.id, what=crisis.description, when=when),
    )


def item_held(r: Reader, crisis: Crisis, item: ContentItem) -> Message:
    return Message(
        text=r.t("crisis.held.title", id=item.id, title=item.title),
        context=r.t("crisis.held.why", crisis=crisis.id, what=crisis.description),
    )


def held_card(r: Reader, crisis: Crisis, card: Message) -> Message:
    """An approval card while a crisis holds it: says so at the top, without buttons."""
    note = r.t("crisis.held.card_note", crisis=crisis.id, what=crisis.description)
    return card.model_copy(
        update={
            "text": r.t("crisis.held.card_title", crisis=crisis.id) + " · " + card.text,
            "buttons": [],
            "context": f"{note} {card.context}" if card.context else note,
        }
    )


def item_released(r: Reader, crisis: Crisis, item: ContentItem, key: str) -> Message:
    """`key`: what the reader can do now (decide, or wait for the approvers)."""
    return Message(
        text=r.t("crisis.released.title", id=item.id, title=item.title),
        context=r.t(key, crisis=crisis.id),
    )


def item_resumed(r: Reader, crisis: Crisis, item: ContentItem) -> Message:
    when = r.when(item.publish_at) if item.publish_at else "–"
    return Message(text=r.t("crisis.resumed.title", id=item.id, title=item.title, when=when))


def _frozen_line(r: Reader, f: Facts, link: CrisisContent) -> str:
    item = f.items.get(link.item_id)
    title = item.title if item else "?"
    base = f"#{link.item_id} {title}"
    if item and item.publish_at:
        base += f" ({r.when(item.publish_at)})"
    if link.state == "resumed":
        state = r.t("crisis.frozen.state_resumed", name=f.name(link.decided_by_id))
    elif link.state == "kept":
        state = r.t("crisis.frozen.state_kept", name=f.name(link.decided_by_id))
    else:
        state = r.t("crisis.frozen.state_frozen")
    return f"{base} – {state}"


def freeze_decision(r: Reader, f: Facts) -> Message:
    frozen = [c for c in f.content if c.kind == "frozen"]
    open_ = [c for c in frozen if c.state == "frozen"]
    value = str(f.crisis.id)
    buttons = (
        [
            Button(
                label=r.t("crisis.button.resume_all"),
                action=RESUME_ALL,
                value=value,
                style="primary",
            ),
            Button(label=r.t("crisis.button.resume_some"), action=RESUME_SOME, value=value),
            Button(label=r.t("crisis.button.keep_frozen"), action=KEEP_FROZEN, value=value),
        ]
        if open_
        else []
    )
    return Message(
        text=r.t("crisis.freeze.title", id=f.crisis.id, n=len(frozen)),
        sections=[Section(text="\n".join(_frozen_line(r, f, c) for c in frozen))],
        buttons=buttons,
        context=None if open_ else r.t("crisis.freeze.done"),
    )


def resume_item(r: Reader, crisis: Crisis, item: ContentItem) -> Message:
    when = r.when(item.publish_at) if item.publish_at else "–"
    return Message(
        text=f"#{item.id} {item.title}",
        fields=[Fact(label=r.t("crisis.field.publish_at"), value=when)],
        buttons=[
            Button(
                label=r.t("crisis.button.resume"),
                action=RESUME_ITEM,
                value=f"{crisis.id}:{item.id}",
                style="primary",
            )
        ],
    )


def resume_item_done(r: Reader, item: ContentItem, person: Person, at: datetime) -> Message:
    return Message(
        text=f"#{item.id} {item.title}",
        context=r.t("crisis.resume.done", name=person.name, when=r.when(at)),
    )


# --- timeline, status, report ----------------------------------------------------------


def event_line(r: Reader, f: Facts, e: CrisisEvent) -> str:
    d = e.details or {}
    params: dict[str, object] = {
        "name": f.name(e.actor_id),
        "text": e.text or "",
        "n": d.get("n", ""),
        "id": d.get("item_id", ""),
    }
    if e.kind == "check":
        item = str(d.get("item", ""))
        label = r.t(f"crisis.check.{item}") if item in CHECKLIST else item
        if item == SEVERITY and d.get("value"):
            label = r.t("crisis.check.severity_done", level=d["value"])
        params["text"] = label
    return f"{r.when(e.at)} – " + r.t(f"crisis.event.{e.kind}", **params)


def status(r: Reader, f: Facts) -> Message:
    crisis = f.crisis
    events = f.events[-TIMELINE_IN_STATUS:]
    timeline = [event_line(r, f, e) for e in events]
    if len(f.events) > len(events):
        timeline.insert(0, r.t("crisis.status.earlier", n=len(f.events) - len(events)))
    frozen = [c for c in f.content if c.kind == "frozen"]
    statements = [c for c in f.content if c.kind == "statement"]
    state = (
        r.t("crisis.status.open", span=r.span(f.now - crisis.declared_at))
        if crisis.status == "open"
        else r.t("crisis.status.resolved", when=r.when(crisis.resolved_at or f.now))
    )
    fields = [
        Fact(label=r.t("crisis.field.state"), value=state),
        Fact(
            label=r.t("crisis.field.content"),
            value=r.t(
                "crisis.content_counts",
                frozen=len(frozen),
                held=len([c for c in f.content if c.kind == "held"]),
            ),
        ),
        Fact(
            label=r.t("crisis.field.statements"),
            value=", ".join(
                f"#{c.item_id} ({r.t('crisis.statement_state.' + c.state)})" for c in statements
            )
            or "–",
        ),
    ]
    return Message(
        text=_title(r, crisis),
        fields=fields,
        sections=[
            Section(text="*" + r.t("crisis.field.team") + "*", items=_team_lines(r, f)),
            _checklist(r, f),
            Section(text="*" + r.t("crisis.timeline") + "*", items=timeline),
        ],
    )


def _checklist(r: Reader, f: Facts) -> Section:
    return Section(text="*" + r.t("crisis.checklist") + "*", items=checklist_lines(r, f))


def first_ack_per_role(f: Facts) -> dict[str, tuple[timedelta, int] | None]:
    """Role → (time from declaration to the first acknowledgement, by whom). The declarer is
    on it by declaring (✅ in the status, too): their role counts as acknowledged at once, unless
    someone else of that role answered, whose time says more about how fast the team is."""
    out: dict[str, tuple[timedelta, int] | None] = {}
    declarer = next((m for m in f.members if m.person_id == f.crisis.declared_by_id), None)
    for m in f.members:
        for role in m.roles or ["–"]:
            out.setdefault(role, None)
            if m is declarer or m.acked_at is None:
                continue
            took = m.acked_at - f.crisis.declared_at
            best = out[role]
            if best is None or took < best[0]:
                out[role] = (took, m.person_id)
    if declarer is not None:
        for role in declarer.roles or ["–"]:
            if out.get(role) is None:
                out[role] = (timedelta(0), declarer.person_id)
    return out


def first_approved_statement(f: Facts) -> tuple[timedelta, ContentItem] | None:
    approved = [
        f.items[c.item_id]
        for c in f.content
        if c.kind == "statement"
        and c.item_id in f.items
        and f.items[c.item_id].status == "approved"
        and f.items[c.item_id].decided_at is not None
    ]
    if not approved:
        return None
    first = min(approved, key=lambda i: i.decided_at or f.now)
    return (first.decided_at or f.now) - f.crisis.declared_at, first


def report_markdown(r: Reader, f: Facts) -> str:
    crisis = f.crisis
    out = [f"# {r.t('crisis.report.title', id=crisis.id, what=crisis.description)}", ""]
    out.append(
        f"**{r.t('crisis.report.declared')}:** "
        + r.t(
            "crisis.check.by", name=f.name(crisis.declared_by_id), when=r.when(crisis.declared_at)
        )
    )
    if crisis.resolved_at:
        out.append(
            f"**{r.t('crisis.report.resolved')}:** "
            + r.t(
                "crisis.check.by",
                name=f.name(crisis.resolved_by_id),
                when=r.when(crisis.resolved_at),
            )
            + " ("
            + r.t("crisis.report.duration", span=r.span(crisis.resolved_at - crisis.declared_at))
            + ")"
        )
    else:
        out.append(f"**{r.t('crisis.report.resolved')}:** {r.t('crisis.report.still_open')}")
    if crisis.summary:
        out.append(f"**{r.t('crisis.report.summary')}:** {crisis.summary}")
    if crisis.severity:
        out.append(f"**{r.t('crisis.report.severity')}:** {crisis.severity}")
    out += ["", f"## {r.t('crisis.report.first_ack')}"]
    for role, best in sorted(first_ack_per_role(f).items()):
        name = f.role_names.get(role, role)
        if best is None:
            out.append(f"- {name}: {r.t('crisis.report.no_ack')}")
        elif best[1] == crisis.declared_by_id:
            out.append(f"- {name}: {r.t('crisis.report.declarer', name=f.name(best[1]))}")
        else:
            out.append(f"- {name}: {r.span(best[0])} ({f.name(best[1])})")
    out += ["", f"## {r.t('crisis.report.first_statement')}"]
    first = first_approved_statement(f)
    if first is None:
        out.append(r.t("crisis.report.no_statement"))
    else:
        out.append(f"{r.span(first[0])} (#{first[1].id} {first[1].title})")
    frozen = [c for c in f.content if c.kind == "frozen"]
    resumed = [c for c in frozen if c.state == "resumed"]
    out += ["", f"## {r.t('crisis.report.content', frozen=len(frozen), resumed=len(resumed))}"]
    out += [f"- {_frozen_line(r, f, c)}" for c in frozen] or ["–"]
    held = [c for c in f.content if c.kind == "held"]
    if held:
        out.append(r.t("crisis.report.held", n=len(held)))
    out += ["", f"## {r.t('crisis.checklist')}"]
    out += [f"- {line}" for line in checklist_lines(r, f)]
    out += ["", f"## {r.t('crisis.timeline')}"]
    out += [f"- {event_line(r, f, e)}" for e in f.events]
    return "\n".join(out)


SECTION_LIMIT = 2800


def report_message(r: Reader, f: Facts) -> Message:
    """The report as a message: Markdown, split into sections a platform can show."""
    text = report_markdown(r, f)
    sections: list[Section] = []
    chunk = ""
    for line in text.splitlines():
        if len(chunk) + len(line) + 1 > SECTION_LIMIT and chunk:
            sections.append(Section(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(Section(text=chunk))
    return Message(
        text=r.t("crisis.report.posted", id=f.crisis.id), sections=sections, locale=r.locale
    )


def with_file(r: Reader, report: Message, url: str | None) -> Message:
    """The report with an *Öffnen* button for its Markdown file, or why there is none."""
    if url is None:
        return report.model_copy(update={"context": r.t("crisis.report.no_file")})
    section = Section(
        text=r.t("crisis.report.file"), link=Link(label=r.t("crisis.report.open"), url=url)
    )
    return report.model_copy(update={"sections": [section, *report.sections]})
