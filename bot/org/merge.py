"""Merge what a source knows into an organisation file, keeping everything written by hand.

The file is handled as the mapping YAML gives, not as OrgConfig: keys the importer does not
know (approval paths, channels, meeting, crisis, a person's locale) pass through untouched.
People are matched by Slack id, then by e-mail; nobody is ever deleted: who left gets
`active: false`, so their history stays readable.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.org.handles import assign_handles
from bot.org.model import Directory, ImportedPerson

Raw = dict[str, Any]


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # "handle (what)"
    left: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # created
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{len(self.added)} added{_names(self.added)}",
            f"{len(self.changed)} changed{_names(self.changed)}",
            f"{len(self.left)} left (marked active: false){_names(self.left)}",
            f"{len(self.departments)} new departments{_names(self.departments)}",
            *self.notes,
        ]


def _names(items: list[str], limit: int = 10) -> str:
    if not items:
        return ""
    more = f", … {len(items) - limit} more" if len(items) > limit else ""
    return ": " + ", ".join(items[:limit]) + more


def skeleton(directory: Directory) -> Raw:
    """A new file: the organisation and one approval path that validates (the submitter's
    department lead decides); the rest is for the operator to write."""
    zones = Counter(p.timezone for p in directory.people if p.timezone)
    return {
        "organization": {
            "name": directory.organisation,
            "locale": "de",
            "timezone": zones.most_common(1)[0][0] if zones else "Europe/Berlin",
            "default_approval_path": "standard",
        },
        "people": [],
        "departments": [],
        "approval_paths": {
            "standard": {"stages": [{"name": "Fachliche Freigabe", "approvers": ["lead"]}]}
        },
    }


def merge(existing: Raw | None, directory: Directory) -> tuple[Raw, Summary]:
    """The merged file (a new mapping; `existing` is not changed) and what changed."""
    raw = copy.deepcopy(existing) if existing else skeleton(directory)
    summary = Summary()
    people: list[Raw] = raw.setdefault("people", None) or []
    raw["people"] = people
    matched = _merge_people(people, directory, summary)
    _mark_leavers(people, matched, directory, summary)
    handle_of = {str(p["email"]).lower(): str(p["handle"]) for p in people if p.get("email")}
    _merge_departments(raw, directory, handle_of, summary)
    return raw, summary


def _merge_people(people: list[Raw], directory: Directory, summary: Summary) -> set[int]:
    by_slack = {p["slack_id"]: p for p in people if p.get("slack_id")}
    by_email = {str(p["email"]).lower(): p for p in people if p.get("email")}
    matched: set[int] = set()
    new: list[ImportedPerson] = []
    for person in sorted(directory.people, key=lambda p: (p.slack_id or "", p.email)):
        entry = (by_slack.get(person.slack_id) if person.slack_id else None) or by_email.get(
            person.email
        )
        if entry is None:
            new.append(person)
            continue
        matched.add(id(entry))
        what = _update(entry, person)
        if what:
            summary.changed.append(f"{entry['handle']} ({', '.join(what)})")
    handles = assign_handles(
        [(p.email, p.name) for p in new], (str(p.get("handle")) for p in people)
    )
    for person in new:
        added: Raw = {"handle": handles[person.email], "name": person.name, "email": person.email}
        if person.slack_id:
            added["slack_id"] = person.slack_id
        if person.roles:
            added["roles"] = sorted(set(person.roles))
        people.append(added)
        matched.add(id(added))
        summary.added.append(added["handle"])
    return matched


def _update(entry: Raw, person: ImportedPerson) -> list[str]:
    """Bring one existing person up to date; what changed, for the summary. Roles are only
    ever added: a role written by hand stays."""
    what: list[str] = []
    if entry.get("name") != person.name:
        entry["name"] = person.name
        what.append("name")
    if str(entry.get("email", "")).lower() != person.email:
        entry["email"] = person.email
        what.append("e-mail")
    if person.slack_id and entry.get("slack_id") != person.slack_id:
        entry["slack_id"] = person.slack_id
        what.append("Slack id")
    roles = list(entry.get("roles") or [])
    extra = sorted(set(person.roles) - set(roles))
    if extra:
        entry["roles"] = roles + extra
        what.append("roles")
    if entry.get("active") is False:
        del entry["active"]
        what.append("back")
    return what


def _mark_leavers(
    people: list[Raw], matched: set[int], directory: Directory, summary: Summary
) -> None:
    for entry in people:
        if id(entry) in matched or entry.get("active") is False:
            continue
        keys = {entry.get("slack_id"), str(entry.get("email", "")).lower()}
        if directory.complete or keys & directory.gone:
            entry["active"] = False
            summary.left.append(str(entry["handle"]))


def _merge_departments(
    raw: Raw, directory: Directory, handle_of: dict[str, str], summary: Summary
) -> None:
    departments: list[Raw] = raw.get("departments") or []
    raw["departments"] = departments
    by_id = {d.get("id"): d for d in departments}
    imported = {handle_of[p.email] for p in directory.people if p.email in handle_of}
    covered = {d.id for d in directory.departments}
    for source in directory.departments:
        members = [handle_of[e] for e in source.members if e in handle_of]
        lead = handle_of.get(source.lead) if source.lead else None
        entry = by_id.get(source.id)
        if entry is None:
            if not members:
                summary.notes.append(f"department {source.id}: nobody in it, not created")
                continue
            if lead is None:
                lead = members[0]
                summary.notes.append(
                    f"department {source.id}: lead set to {lead} (the source names none; "
                    "change it if that is wrong)"
                )
            entry = {"id": source.id, "name": source.name, "lead": lead, "members": []}
            departments.append(entry)
            summary.departments.append(source.id)
        elif lead and entry.get("lead") != lead:
            summary.changed.append(f"{source.id} (lead: {lead})")
            entry["lead"] = lead
        # Members the source does not know (written by hand, or who left) stay.
        kept = [m for m in entry.get("members") or [] if m not in imported]
        entry["members"] = kept + [m for m in members if m not in kept and m != entry["lead"]]
    if directory.complete:  # one department each: a mover leaves the old one
        for entry in departments:
            if entry.get("id") not in covered:
                entry["members"] = [m for m in entry.get("members") or [] if m not in imported]
