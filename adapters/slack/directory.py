"""The workspace as an organisation: `users.list` and the user groups, read with the bot
token for `socialdesk import-org --from slack`.

A scope the token lacks ends in one line naming it and how to add it: Slack answers
`missing_scope` with the scope `needed`, and leaves the e-mail out of `users.list` without
`users:read.email` (no error then, so an empty e-mail column is taken as the sign).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.org.handles import slug
from bot.org.model import Directory, ImportedDepartment, ImportedPerson, ImportProblem

PAGE = 200  # users.list: Slack recommends at most 200 per page


def missing_scope(scope: str) -> ImportProblem:
    return ImportProblem(
        f"the Slack token lacks the scope {scope}: add it under OAuth & Permissions → Bot Token "
        "Scopes (or paste `socialdesk slack-manifest`, which lists it), reinstall the app, "
        "then run import-org again"
    )


def read_workspace(token: str, api_url: str, departments: list[str] | None = None) -> Directory:
    """Everyone active and human in the workspace; departments from the user groups whose
    handle or name is in `departments` (None: every group)."""
    client = WebClient(token=token, base_url=api_url)
    try:
        team = str(client.auth_test().get("team") or "Organisation")
        people, gone = _people(client)
        groups = _departments(client, departments, {p.slack_id: p.email for p in people})
    except SlackApiError as exc:
        raise _problem(exc) from None
    return Directory(people=people, departments=groups, organisation=team, gone=gone)


def _problem(exc: SlackApiError) -> ImportProblem:
    error = str(exc.response.get("error", ""))
    if error == "missing_scope":
        return missing_scope(str(exc.response.get("needed") or "?"))
    if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return ImportProblem(f"Slack refused the token ({error}): check SLACK_BOT_TOKEN")
    return ImportProblem(f"Slack answered {error or exc}")


def _members(client: WebClient) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page = (
            client.users_list(limit=PAGE, cursor=cursor)
            if cursor
            else client.users_list(limit=PAGE)
        )
        yield from page.get("members") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _people(client: WebClient) -> tuple[list[ImportedPerson], set[str]]:
    people: list[ImportedPerson] = []
    gone: set[str] = set()
    for member in _members(client):
        if member.get("is_bot") or member.get("is_app_user") or member.get("id") == "USLACKBOT":
            continue
        profile = member.get("profile") or {}
        email = str(profile.get("email") or "").lower()
        if member.get("deleted"):
            gone.update(key for key in (member.get("id"), email) if key)
            continue
        name = profile.get("real_name") or member.get("real_name") or member.get("name") or ""
        people.append(
            ImportedPerson(
                name=str(name), email=email, slack_id=str(member["id"]), timezone=member.get("tz")
            )
        )
    if people and not any(p.email for p in people):
        raise missing_scope("users:read.email")
    return [p for p in people if p.email], gone


def _departments(
    client: WebClient, wanted: list[str] | None, email_of: dict[str | None, str]
) -> list[ImportedDepartment]:
    groups = client.usergroups_list(include_disabled=False).get("usergroups") or []
    chosen = [
        g
        for g in groups
        if wanted is None or {g.get("handle"), slug(g.get("name", ""))} & set(wanted)
    ]
    if wanted:
        found = {k for g in chosen for k in (g.get("handle"), slug(g.get("name", "")))}
        missing = [w for w in wanted if w not in found]
        if missing:
            raise ImportProblem(f"no Slack user group {', '.join(missing)} (--departments)")
    departments: list[ImportedDepartment] = []
    for group in chosen:
        users = client.usergroups_users_list(usergroup=group["id"]).get("users") or []
        members = [email_of[u] for u in users if u in email_of]
        dept_id = slug(str(group.get("handle") or group.get("name")))
        departments.append(ImportedDepartment(id=dept_id, name=str(group["name"]), members=members))
    return departments
