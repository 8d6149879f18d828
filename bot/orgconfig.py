"""The organisation file: people, departments, approval paths, channels, meeting and crisis.

Loading never half-succeeds: either the whole file is valid, or `ConfigError` lists every
problem with its path (`approval_paths.standard.stages[1].approvers[0]: unknown role 'legel'`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot import yamltext
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
    # Public holidays that planning warns about: a country, optionally with its subdivision
    # (`DE-BY` = Bavaria), as the `holidays` package knows them. None: no holiday warnings.
    holidays: str | None = Field(default=None, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")

    @field_validator("holidays")
    @classmethod
    def _known_holidays(cls, value: str | None) -> str | None:
        if value is not None:
            import holidays as holiday_lib  # only loaded where an organisation names holidays

            country, _, subdiv = value.partition("-")
            try:
                holiday_lib.country_holidays(country, subdiv=subdiv or None)
            except (NotImplementedError, KeyError):
                raise ValueError(f"unknown holiday calendar {value!r} (use e.g. DE-BY)") from None
        return value

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
    # False: left the organisation (set by `import-org`). Kept, never deleted, so their
    # history stays readable; they receive nothing new.
    active: bool = True


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
    # Who decides when the submitter would be the stage's only approver (else: social media).
    fallback: list[str] = []
    # Reminders to the approvers at these percentages of the SLA.
    remind_at: list[int] = [50, 90]
    # When the SLA passes: escalate (to `escalate_to`, default the department lead) or approve.
    escalate_to: str | None = None
    on_timeout: Literal["escalate", "approve"] = "escalate"

    @field_validator("remind_at")
    @classmethod
    def _percentages(cls, value: list[int]) -> list[int]:
        for pct in value:
            if not 0 < pct < 100:
                raise ValueError(f"reminder at {pct}% (use percentages between 1 and 99)")
        return sorted(set(value))


class PathRule(_Strict):
    """When a path applies: every kind given must match; within a kind, any entry matches."""

    departments: list[str] = []
    channels: list[str] = []
    keywords: list[str] = []


class ApprovalPathConfig(_Strict):
    stages: list[StageConfig] = Field(min_length=1)
    when: PathRule | None = None
    # How texts name the path ("Produkt mit Recht"); without one, its id humanised.
    name: str | None = None


class RoleConfig(_Strict):
    """A role people hold (`roles:` of a person); listed only to give it a display name."""

    name: str


def humanised(identifier: str) -> str:
    """An id as a name, for what the file does not name: `social_media_manager` →
    "Social media manager"."""
    words = identifier.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


class ImageRules(_Strict):
    """What an image for this channel should look like: ratios as `W:H` (e.g. `1.91:1`)."""

    aspect_ratios: list[str] = []
    min_width: int | None = Field(default=None, gt=0)
    min_height: int | None = Field(default=None, gt=0)
    ratio_tolerance: float = Field(default=0.03, ge=0, lt=1)

    @field_validator("aspect_ratios")
    @classmethod
    def _ratios(cls, value: list[str]) -> list[str]:
        for ratio in value:
            if not re.fullmatch(r"\d+(\.\d+)?:\d+(\.\d+)?", ratio) or ratio.endswith(":0"):
                raise ValueError(f"invalid aspect ratio {ratio!r} (use e.g. 1:1, 4:5, 1.91:1)")
        return value


class ChannelRules(_Strict):
    """House style per network: how many hashtags, whether @handles and links work there."""

    max_hashtags: int | None = Field(default=None, ge=0)
    handles: Literal["ok", "avoid"] = "ok"
    links: Literal["ok", "avoid"] = "ok"
    image: ImageRules | None = None


class ChannelConfig(_Strict):
    id: str
    name: str
    owner: str
    audience: str | None = None
    max_length: int | None = Field(default=None, gt=0)
    rules: ChannelRules = ChannelRules()
    # Findings only advise; on a strict channel they block the submission.
    strict: bool = False
    # Planning warns (never blocks) when two postings on this channel are closer than
    # `min_gap`, or when one is planned outside `posting_hours` (local time, `08:00-20:00`).
    min_gap: Duration | None = None
    posting_hours: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$"
    )


def _byte_size(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*(B|KB|MB|GB)?\s*", value, re.IGNORECASE)
        if not match:
            raise ValueError(f"invalid size {value!r} (use e.g. 50MB, 500KB)")
        unit = (match.group(2) or "B").upper()
        return int(match.group(1)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]
    return value


ByteSize = Annotated[int, BeforeValidator(_byte_size), Field(gt=0)]
FILE_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "application/pdf",
)


class IntakeConfig(_Strict):
    """Files colleagues send to the bot: how big, which types (checked from the bytes)."""

    max_file_size: ByteSize = 50 * 1024**2
    # Pixels an image may have (width × height), read from its header before decoding: a few
    # hundred KB of PNG can decode into gigabytes. Pillow itself refuses above ~179 MP.
    max_pixels: int = Field(default=50_000_000, gt=0, le=150_000_000)
    allowed_types: list[str] = list(FILE_TYPES)
    # Reminders before a content request's deadline.
    request_reminders: list[Duration] = [timedelta(hours=24), timedelta(hours=2)]

    @field_validator("allowed_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        for media_type in value:
            if media_type not in FILE_TYPES:
                raise ValueError(f"unknown file type {media_type!r} (use {', '.join(FILE_TYPES)})")
        return value


class MeetingConfig(_Strict):
    weekday: str
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str | None = None
    reminders: list[Duration] = []
    slack_channel: str | None = None
    teams_channel: str | None = None
    # Who is reminded: handles or role:NAME; unset means every department member and lead.
    contributors: list[str] | None = None

    @field_validator("timezone")
    @classmethod
    def _meeting_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone {value!r}") from None
        return value

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
    # Where the crisis room lives: on Slack a private channel named
    # `<channel_prefix>-<date>-<slug>` is created; on Teams the protocol goes to `teams_channel`
    # (or, without one, to every team member by DM).
    room_platform: Platform = "slack"
    channel_prefix: str = Field(default="krise", pattern=r"^[a-z0-9][a-z0-9_-]{0,29}$")
    teams_channel: str | None = None
    # While a crisis is open, the team is reminded to post an update this often (none: never).
    update_every: Duration | None = timedelta(minutes=30)
    # Who decides what happens to frozen content on resolve (and gets the report).
    managers: list[str] = ["role:social_media_manager"]


class OrgConfig(_Strict):
    organization: Organization
    people: list[PersonConfig] = []
    departments: list[DepartmentConfig] = []
    approval_paths: dict[str, ApprovalPathConfig] = {}
    # Display names of roles (`roles: {legal: {name: Recht}}`); the file's key is `roles`.
    role_info: dict[str, RoleConfig] = Field(default={}, alias="roles")
    channels: list[ChannelConfig] = []
    intake: IntakeConfig = IntakeConfig()
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

    def path_name(self, path_id: str) -> str:
        path = self.approval_paths.get(path_id)
        return path.name if path and path.name else humanised(path_id)

    def role_name(self, role: str) -> str:
        info = self.role_info.get(role)
        return info.name if info else humanised(role)

    def stage(self, path_id: str, index: int) -> StageConfig | None:
        """Stage `index` of the path; None where the file no longer has it (a reload
        removed the path or shortened it while approvals were waiting)."""
        path = self.approval_paths.get(path_id)
        return path.stages[index] if path and index < len(path.stages) else None

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


def platform_warnings(config: OrgConfig, off: Mapping[str, str]) -> list[str]:
    """What the file sends to a platform that is switched off (`off`: platform → why), one
    line each: such messages would wait and never arrive. Warnings, not errors: the same file
    serves servers with other platforms on."""
    lines: list[str] = []
    crisis = config.crisis
    if crisis is not None and crisis.room_platform in off:
        fallback = (
            f"the protocol goes to teams_channel {crisis.teams_channel}"
            if crisis.teams_channel and "teams" not in off
            else "the protocol goes to the crisis team by direct message"
        )
        lines.append(
            f"crisis.room_platform: {crisis.room_platform} is off "
            f"({off[crisis.room_platform]}); {fallback}"
        )
    meeting = config.meeting
    if meeting is not None:
        channels = (("slack", meeting.slack_channel), ("teams", meeting.teams_channel))
        for platform, channel in channels:
            if channel and platform in off:
                lines.append(
                    f"meeting.{platform}_channel: {platform} is off ({off[platform]}); "
                    f"nothing is posted to {channel}"
                )
    return lines


def load_config(path: Path | str) -> OrgConfig:
    path = Path(path)
    try:
        raw = yamltext.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a folder, not a file"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror or exc})"]) from None
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
            yield from _stage_problems(f"approval_paths.{name}.stages[{s}]", stage, known, roles)
        if path.when:
            yield from _rule_problems(f"approval_paths.{name}.when", path.when, config)
    for i, channel in enumerate(config.channels):
        yield from person_ref(f"channels[{i}].owner", channel.owner)
    yield from _duplicates("channels", [c.id for c in config.channels], "id")
    if config.meeting and config.meeting.contributors:
        for i, ref in enumerate(config.meeting.contributors):
            yield from approver_ref_problems(f"meeting.contributors[{i}]", ref, known, roles, False)
    if config.crisis:
        for key in ("may_declare", "team", "managers"):
            if key == "managers" and key not in config.crisis.model_fields_set:
                continue  # the default names a role an organisation may not have
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


def _stage_problems(
    where: str, stage: StageConfig, handles: set[str], roles: set[str]
) -> Iterator[str]:
    for f, ref in enumerate(stage.fallback):
        yield from approver_ref_problems(f"{where}.fallback[{f}]", ref, handles, roles, True)
    if stage.escalate_to is not None:
        yield from approver_ref_problems(
            f"{where}.escalate_to", stage.escalate_to, handles, roles, True
        )
    if stage.sla is None and (stage.on_timeout == "approve" or stage.escalate_to):
        yield f"{where}.sla: required for on_timeout/escalate_to (when does the stage time out?)"


def _rule_problems(where: str, rule: PathRule, config: OrgConfig) -> Iterator[str]:
    departments = {d.id for d in config.departments}
    channels = {c.id for c in config.channels}
    for i, dept in enumerate(rule.departments):
        if dept not in departments:
            yield f"{where}.departments[{i}]: unknown department '{dept}'"
    for i, channel in enumerate(rule.channels):
        if channel not in channels:
            yield f"{where}.channels[{i}]: unknown channel '{channel}'"
    for i, keyword in enumerate(rule.keywords):
        if not keyword.strip():
            yield f"{where}.keywords[{i}]: empty keyword"
    if not (rule.departments or rule.channels or rule.keywords):
        yield f"{where}: give at least one of departments, channels, keywords"


def _duplicates(where: str, values: list[str], key: str) -> Iterator[str]:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield f"{where}[{i}].{key}: duplicate '{value}'"
        seen.add(value)
