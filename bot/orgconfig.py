"""The organisation file: people, departments, approval paths, channels, meeting and crisis.

Loading never half-succeeds: either the whole file is valid, or `ConfigError` lists every
problem with its path (`approval_paths.standard.stages[1].approvers[0]: unknown role 'legel'`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.durations import parse_duration

Locale = Literal["de", "en"]
Platform = Literal["slack", "teams"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(_Strict):
    name: str
    locale: Locale = "de"
    timezone: str = "Europe/Berlin"
    default_approval_path: str = "standard"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class PersonConfig(_Strict):
    handle: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    slack_id: str | None = None
    teams_id: str | None = None
    roles: list[str] = []
    locale: Locale | None = None
    preferred_platform: Platform | None = None


class DepartmentConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    lead: str
    members: list[str] = []
    approval_path: str | None = None


class StageConfig(_Strict):
    name: str
    approvers: list[str] = Field(min_length=1)
    mode: Literal["any", "all"] = "any"
    sla: Duration | None = None


class ApprovalPathConfig(_Strict):
    stages: list[StageConfig] = Field(min_length=1)


class ChannelConfig(_Strict):
    id: str
    name: str
    owner: str
    max_length: int | None = Field(default=None, gt=0)


class MeetingConfig(_Strict):
    weekday: str
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str | None = None
    reminders: list[Duration] = []
    slack_channel: str | None = None
    teams_channel: str | None = None

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.lower() not in WEEKDAYS:
            raise ValueError(f"unknown weekday {value!r} (use {', '.join(WEEKDAYS)})")
        return value.lower()


class CrisisConfig(_Strict):
    may_declare: list[str] = []
    team: list[str] = []
    approval_path: str = "krise"
    repage_every: Duration = timedelta(minutes=10)


class OrgConfig(_Strict):
    organization: Organization
    people: list[PersonConfig] = []
    departments: list[DepartmentConfig] = []
    approval_paths: dict[str, ApprovalPathConfig] = {}
    channels: list[ChannelConfig] = []
    meeting: MeetingConfig | None = None
    crisis: CrisisConfig | None = None

    def person(self, handle: str) -> PersonConfig | None:
        return next((p for p in self.people if p.handle == handle), None)

    def department_of(self, handle: str) -> DepartmentConfig | None:
        """The department a person leads or belongs to (members first: a lead submits as lead)."""
        for dept in self.departments:
            if handle in dept.members:
                return dept
        return next((d for d in self.departments if d.lead == handle), None)

    def path_for(self, department: DepartmentConfig | None) -> str:
        if department and department.approval_path:
            return department.approval_path
        return self.organization.default_approval_path

    @property
    def roles(self) -> set[str]:
        return {role for person in self.people for role in person.roles}


class ConfigError(Exception):
    """Every problem of an organisation file, each as `path: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_config(path: Path | str) -> OrgConfig:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from None
    return parse_config(raw)


def parse_config(raw: Any) -> OrgConfig:
    if not isinstance(raw, dict):
        raise ConfigError(["(top level): expected a mapping with 'organization', 'people', …"])
    try:
        config = OrgConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            [f"{format_loc(tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
        ) from None
    problems = list(_reference_problems(config))
    if problems:
        raise ConfigError(problems)
    return config


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required"
    return re.sub(r"^Value error, ", "", str(error["msg"]))


def _reference_problems(config: OrgConfig) -> Iterator[str]:
    """Cross-references pydantic cannot see: handles, roles and paths that must exist."""
    handles = [p.handle for p in config.people]
    yield from _duplicates("people", handles, "handle")
    yield from _duplicates("people", [p.email.lower() for p in config.people], "email")
    yield from _duplicates("departments", [d.id for d in config.departments], "id")
    known = set(handles)
    roles = config.roles

    def person_ref(where: str, handle: str) -> Iterator[str]:
        if handle not in known:
            yield f"{where}: unknown person '{handle}'"

    org = config.organization
    if org.default_approval_path not in config.approval_paths:
        where = "organization.default_approval_path"
        yield f"{where}: unknown approval path '{org.default_approval_path}'"
    for i, dept in enumerate(config.departments):
        yield from person_ref(f"departments[{i}].lead", dept.lead)
        for j, member in enumerate(dept.members):
            yield from person_ref(f"departments[{i}].members[{j}]", member)
        if dept.approval_path and dept.approval_path not in config.approval_paths:
            yield f"departments[{i}].approval_path: unknown approval path '{dept.approval_path}'"
    for name, path in config.approval_paths.items():
        for s, stage in enumerate(path.stages):
            for a, ref in enumerate(stage.approvers):
                where = f"approval_paths.{name}.stages[{s}].approvers[{a}]"
                yield from approver_ref_problems(where, ref, known, roles, allow_lead=True)
    for i, channel in enumerate(config.channels):
        yield from person_ref(f"channels[{i}].owner", channel.owner)
    if config.crisis:
        for key in ("may_declare", "team"):
            for i, ref in enumerate(getattr(config.crisis, key)):
                yield from approver_ref_problems(f"crisis.{key}[{i}]", ref, known, roles, False)
        if config.crisis.approval_path not in config.approval_paths:
            yield f"crisis.approval_path: unknown approval path '{config.crisis.approval_path}'"


def approver_ref_problems(
    where: str, ref: str, handles: set[str], roles: set[str], allow_lead: bool
) -> Iterator[str]:
    if ref == "lead":
        if not allow_lead:
            yield f"{where}: 'lead' only makes sense in an approval stage"
    elif ref.startswith("role:"):
        role = ref.removeprefix("role:")
        if role not in roles:
            yield f"{where}: unknown role '{role}'"
    elif ref not in handles:
        yield f"{where}: unknown person '{ref}' (use a handle, 'lead' or 'role:NAME')"


def _duplicates(where: str, values: list[str], key: str) -> Iterator[str]:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield f"{where}[{i}].{key}: duplicate '{value}'"
        seen.add(value)
