"""What content requests look like, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Reader
from bot.messages import Button, Fact, Message, Section
from bot.orgconfig import OrgConfig
from bot.people.service import reader_for
from storage.models import ContentRequest, Department, Person

ACCEPT = "content_request.accept"
DECLINE = "content_request.decline"
DECLINED = "content_request.declined"
SEND = "content_request.send"


def reader(person: Person, org: OrgConfig) -> Reader:
    return reader_for(person, org)


@dataclass(frozen=True)
class Facts:
    request: ContentRequest
    requester: Person
    assignee: Person
    department: str | None


async def facts(session: AsyncSession, request: ContentRequest) -> Facts:
    department = (
        await session.get(Department, request.department_id) if request.department_id else None
    )
    return Facts(
        request=request,
        requester=await session.get_one(Person, request.requester_id),
        assignee=await session.get_one(Person, request.assignee_id),
        department=department.name if department else None,
    )


def _fields(r: Reader, f: Facts) -> list[Fact]:
    out = [
        Fact(label=r.t("requests.field.from"), value=f.requester.name),
        Fact(label=r.t("requests.field.due"), value=r.when(f.request.due_at)),
    ]
    if f.department:
        out.append(Fact(label=r.t("requests.field.department"), value=f.department))
    return out


def assignee_card(r: Reader, f: Facts) -> Message:
    request = f.request
    sections = [Section(text=request.what)]
    if request.why:
        sections.append(Section(text=r.t("requests.card.why", why=request.why)))
    buttons: list[Button] = []
    context = r.t(f"requests.status.{request.status}", name=f.assignee.name)
    if request.status == "declined" and request.decline_reason:
        context += " " + r.t("requests.card.reason", reason=request.decline_reason)
    if request.status in ("open", "accepted"):
        if request.status == "open":
            buttons.append(
                Button(
                    label=r.t("requests.button.accept"),
                    action=ACCEPT,
                    value=str(request.id),
                    style="primary",
                )
            )
        buttons.append(
            Button(label=r.t("requests.button.send"), action=SEND, value=str(request.id))
        )
        buttons.append(
            Button(
                label=r.t("requests.button.decline"),
                action=DECLINE,
                value=str(request.id),
                style="danger",
            )
        )
    return Message(
        text=r.t("requests.card.title", id=request.id, name=f.requester.name),
        sections=sections,
        fields=_fields(r, f),
        buttons=buttons,
        context=context,
    )


def created(r: Reader, f: Facts) -> Message:
    return Message(
        text=r.t("requests.created", id=f.request.id, name=f.assignee.name),
        sections=[Section(text=f.request.what)],
        fields=_fields(r, f)[1:],
    )


def note(r: Reader, f: Facts, key: str, **params: object) -> Message:
    return Message(
        text=r.t(
            key,
            id=f.request.id,
            what=f.request.what,
            requester=f.requester.name,
            assignee=f.assignee.name,
            due=r.when(f.request.due_at),
            **params,
        )
    )


def reminder(r: Reader, f: Facts, now: datetime) -> Message:
    return Message(
        text=r.t(
            "requests.reminder", id=f.request.id, what=f.request.what, due=r.when(f.request.due_at)
        ),
        sections=[Section(text=r.t("requests.card.why", why=f.request.why))]
        if f.request.why
        else [],
        buttons=[Button(label=r.t("requests.button.send"), action=SEND, value=str(f.request.id))],
    )


def listing(
    r: Reader,
    mine: Sequence[ContentRequest],
    theirs: Sequence[ContentRequest],
    names: dict[int, str],
) -> list[Section]:
    def line(req: ContentRequest, other: int) -> str:
        overdue = " ⏰" if req.overdue_at else ""
        return (
            r.t(
                "requests.list.line",
                id=req.id,
                what=req.what,
                name=names.get(other, "?"),
                due=r.when(req.due_at),
                status=r.t(f"requests.state.{req.status}"),
            )
            + overdue
        )

    out = []
    if theirs:
        items = [line(q, q.requester_id) for q in theirs]
        out.append(Section(text=r.t("requests.list.for_you"), items=items))
    if mine:
        items = [line(q, q.assignee_id) for q in mine]
        out.append(Section(text=r.t("requests.list.by_you"), items=items))
    return out
