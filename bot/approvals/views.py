"""What approval messages look like, as neutral messages in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import i18n
from bot.approvals import states
from bot.messages import Button, Fact, Message, Section
from storage.models import ApprovalRequest, ContentItem, ContentVersion, Person

APPROVE = "approval.approve"
REJECT = "approval.reject"


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their language and the organisation's timezone."""

    locale: str
    tz: ZoneInfo

    def t(self, key: str, **params: object) -> str:
        return i18n.t(self.locale, key, **params)

    def when(self, value: datetime) -> str:
        return i18n.format_datetime(value, self.locale, self.tz)


@dataclass(frozen=True)
class RequestFacts:
    item: ContentItem
    version: ContentVersion
    request: ApprovalRequest
    submitter: Person
    department: str | None
    stage_count: int
    approvers: list[Person]


def request_card(reader: Reader, facts: RequestFacts) -> Message:
    return Message(
        text=reader.t("approvals.card.title", title=facts.item.title),
        sections=[Section(text=facts.version.text)],
        fields=_facts(reader, facts),
        buttons=[
            Button(
                label=reader.t("approvals.button.approve"),
                action=APPROVE,
                value=str(facts.request.id),
                style="primary",
            ),
            Button(
                label=reader.t("approvals.button.reject"),
                action=REJECT,
                value=str(facts.request.id),
                style="danger",
            ),
        ],
        context=reader.t("approvals.card.ref", id=facts.item.id, version=facts.version.number),
    )


def decided_card(
    reader: Reader,
    facts: RequestFacts,
    decided_by: Person,
    outcome: str,
    at: datetime,
    waiting_for: list[Person],
) -> Message:
    """The request card after a decision: no buttons, and who decided when."""
    key = (
        "approvals.decided.approved" if outcome == states.APPROVED else "approvals.decided.rejected"
    )
    note = reader.t(key, name=decided_by.name, when=reader.when(at))
    if waiting_for:
        note += " " + reader.t("approvals.decided.waiting", names=_names(waiting_for))
    card = request_card(reader, facts)
    return card.model_copy(update={"buttons": [], "context": note})


def submitted(reader: Reader, item: ContentItem, stages: list[str], first: list[Person]) -> Message:
    return Message(
        text=reader.t("approvals.submitted", id=item.id, title=item.title),
        fields=[
            Fact(label=reader.t("approvals.field.path"), value=" → ".join(stages)),
            Fact(label=reader.t("approvals.field.now_with"), value=_names(first)),
        ],
    )


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
    return Message(text=text, sections=sections)


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
