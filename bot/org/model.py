"""What an importer hands to the merge: people and departments, no platform in sight."""

from __future__ import annotations

from dataclasses import dataclass, field


class ImportProblem(Exception):
    """The source could not be read as a whole (a missing scope, a file that is not CSV):
    one line for the operator."""


@dataclass
class ImportedPerson:
    name: str
    email: str
    slack_id: str | None = None
    roles: list[str] = field(default_factory=list)
    timezone: str | None = None


@dataclass
class ImportedDepartment:
    id: str
    name: str
    members: list[str] = field(default_factory=list)  # e-mails, lower case
    lead: str | None = None  # an e-mail, lower case; None: the source does not say


@dataclass
class Directory:
    """Everyone the source knows, and which departments it defines.

    `gone` are e-mails and Slack ids the source says left (deleted Slack accounts);
    `complete` says the source lists everyone, so whoever it does not list has left (an HR
    export), as opposed to a workspace that may lack people who use only Teams."""

    people: list[ImportedPerson]
    departments: list[ImportedDepartment]
    organisation: str
    gone: set[str] = field(default_factory=set)
    complete: bool = False
