"""An HR export as German spreadsheets write it: `;` or `,`, UTF-8 (with or without BOM) or
Windows-1252. Columns name, email, department, and optionally lead and roles (German
headers work too). Every problem is named with its line and column; with any problem the
caller writes nothing.

A department the organisation file does not define yet is created from the export (with
the person marked `lead` as its lead, else its first member): an HR export is where new
departments appear first. The summary lists them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from bot.org.handles import slug
from bot.org.model import Directory, ImportedDepartment, ImportedPerson, ImportProblem

COLUMNS = {
    "name": ("name", "vollständiger name", "mitarbeiter"),
    "email": ("email", "e-mail", "mail", "e-mail-adresse"),
    "department": ("department", "abteilung", "bereich"),
    "lead": ("lead", "leitung", "führungskraft"),
    "roles": ("roles", "rollen", "rolle", "role"),
}
REQUIRED = ("name", "email", "department")
YES = {"1", "x", "yes", "ja", "true", "wahr", "lead", "leitung"}
NO = {"", "0", "no", "nein", "false", "falsch"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class CsvProblems(ImportProblem):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252, which every byte sequence decodes as."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=";,\t")
    except csv.Error:
        first = text.split("\n", 1)[0]
        return csv.excel if first.count(",") > first.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def read_csv(path: Path, departments: Iterable[tuple[str, str]] = ()) -> Directory:
    """`departments`: (id, name) the organisation file defines, so `Marketing` in the export
    finds the department `marketing`."""
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        raise ImportProblem(f"{path}: cannot be read ({exc.strerror or exc})") from None
    known = {key.lower(): dept_id for dept_id, name in departments for key in (dept_id, name)}
    rows = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    problems: list[str] = []
    header = next(rows, None)
    if header is None:
        raise CsvProblems([f"{path}: empty file"])
    columns = _columns(header)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(h.strip() for h in header)
        raise CsvProblems(
            [f"{path}: line 1: missing column {c!r} (found: {found})" for c in missing]
        )
    people: list[ImportedPerson] = []
    depts: dict[str, ImportedDepartment] = {}
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        def problem(column: str, what: str, line: int = line) -> None:
            problems.append(f"{path}: line {line}, column {column}: {what}")

        name, email, department = cell("name"), cell("email").lower(), cell("department")
        if not name:
            problem("name", "empty")
        if not _EMAIL.match(email):
            problem("email", f"not an e-mail address {cell('email')!r}")
        elif email in seen:
            problem("email", f"{email} is on line {seen[email]} already")
        else:
            seen[email] = line
        lead = cell("lead").lower()
        if lead not in YES | NO:
            problem("lead", f"{cell('lead')!r} (use ja/nein, yes/no, x or empty)")
        roles = [r for r in re.split(r"[\s,;|]+", cell("roles").lower()) if r]
        for role in roles:
            if not _ROLE.match(role):
                problem("roles", f"{role!r} is not a role id (letters, digits, _ and -)")
        people.append(ImportedPerson(name=name, email=email, roles=roles))
        if department:
            dept_id = known.get(department.lower()) or slug(department)
            dept = depts.setdefault(dept_id, ImportedDepartment(id=dept_id, name=department))
            dept.members.append(email)
            if lead in YES:
                if dept.lead and dept.lead != email:
                    problem(
                        "lead", f"{department} has a lead already (line {seen.get(dept.lead, '?')})"
                    )
                dept.lead = email
    if problems:
        raise CsvProblems(problems)
    return Directory(
        people=people, departments=list(depts.values()), organisation=path.stem, complete=True
    )


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    return {
        column: names.index(alias)
        for column, aliases in COLUMNS.items()
        for alias in aliases
        if alias in names
    }
