"""`socialdesk serve | migrate | check-config`.

An operator's mistake (a config file that cannot be read, a database that cannot be reached)
ends in one line naming the file or URL and what is wrong, and exit status 1: a traceback
would bury the one fact they need.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from bot import logs, migrate
from bot.orgconfig import ConfigError, load_config, platform_warnings
from bot.settings import Settings

# What reaching a database can raise: the driver's errors wrapped by SQLAlchemy, the socket's
# (refused, unknown host), a timeout, or a driver that is not installed.
DATABASE_ERRORS = (SQLAlchemyError, OSError, ImportError)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="socialdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the bot's web server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="bring the database schema up to date (alembic upgrade head)")
    check = sub.add_parser("check-config", help="validate the organisation file")
    check.add_argument("file", nargs="?", type=Path)
    _add_import_arguments(
        sub.add_parser(
            "import-org",
            help="write the organisation file from the Slack workspace or an HR export (CSV)",
        )
    )
    from adapters.slack.manifest import add_arguments, run  # generated from the registry

    add_arguments(sub.add_parser("slack-manifest", help="print the Slack app manifest to paste"))
    args = parser.parse_args(argv)
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "check-config":
        return _check_config(args.file or settings.config, settings)
    if args.command == "slack-manifest":
        return run(args)
    if args.command == "import-org":
        return _import_org(args, settings)
    return _serve(settings, args.host, args.port)


def _ensure_sqlite_dir(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def masked(database_url: str) -> str:
    """The URL as it may appear in a log or on a terminal: the password replaced by ***."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", database_url)


def database_problem(database_url: str, exc: BaseException) -> str:
    """One line: which database, and why it cannot be used."""
    if isinstance(exc, NoSuchModuleError | ImportError):  # NoSuchModuleError is an ArgumentError
        reason = f"unsupported database driver ({exc})"
    elif isinstance(exc, ArgumentError):
        reason = "not a database URL (e.g. sqlite:///var/socialdesk.db, postgresql://host/db)"
    elif isinstance(exc, TimeoutError):
        reason = "not reachable: no answer in time"
    else:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        reason = f"not reachable: {_first_line(cause)}"
    line = f"{masked(database_url)}: {reason}"
    password = _password(database_url)
    return line.replace(password, "***") if password else line


def _password(database_url: str) -> str | None:
    try:
        return make_url(database_url).password
    except ArgumentError:
        return None


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, ConnectionError) and exc.errno:
        return os.strerror(exc.errno)  # asyncio's text repeats the address the URL names
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _database_ready(settings: Settings) -> bool:
    """Reachable and migrated; otherwise the reason is printed."""
    try:
        _ensure_sqlite_dir(settings.database_url)
        up_to_date = asyncio.run(migrate.is_up_to_date(settings.database_url))
    except DATABASE_ERRORS as exc:
        print(database_problem(settings.database_url, exc), file=sys.stderr)
        return False
    if not up_to_date:
        print(
            f"{masked(settings.database_url)}: the database schema is not up to date. "
            "Run `socialdesk migrate` first.",
            file=sys.stderr,
        )
    return up_to_date


def _migrate(settings: Settings) -> int:
    try:
        _ensure_sqlite_dir(settings.database_url)
        migrate.upgrade(settings.database_url)
    except DATABASE_ERRORS as exc:
        print(database_problem(settings.database_url, exc), file=sys.stderr)
        return 1
    print("database is up to date")
    return 0


def _print_config_problems(path: Path, exc: ConfigError, closing: str) -> None:
    """A file that cannot be read at all is one line; a file with mistakes lists each one
    and ends with `closing`."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    if not (len(exc.problems) == 1 and exc.problems[0].startswith(f"{path}: ")):
        print(f"{path}: {closing}", file=sys.stderr)


def platforms_off(settings: Settings) -> dict[str, str]:
    """The platforms `serve` would leave off with this environment, and why (as bot.server
    decides: Slack needs its token and secret; Teams without an app id only on loopback)."""
    from bot.server import is_loopback

    off: dict[str, str] = {}
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        off["slack"] = "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set"
    if not (
        settings.microsoft_app_id
        or settings.teams_allow_unauthenticated
        or is_loopback(settings.host)
    ):
        off["teams"] = f"MICROSOFT_APP_ID is not set and {settings.host} is not loopback"
    return off


def _check_config(path: Path, settings: Settings) -> int:
    try:
        config = load_config(path)
    except ConfigError as exc:
        _print_config_problems(path, exc, f"{len(exc.problems)} problem(s)")
        return 1
    for warning in platform_warnings(config, platforms_off(settings)):
        print(f"{path}: warning: {warning}", file=sys.stderr)
    print(
        f"{path}: ok ({len(config.people)} people, {len(config.departments)} departments, "
        f"{len(config.approval_paths)} approval paths)"
    )
    return 0


def _add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", choices=("slack", "csv"), required=True)
    parser.add_argument("file", nargs="?", type=Path, help="the CSV file (with --from csv)")
    parser.add_argument(
        "--out",
        type=Path,
        help="the organisation file to write or merge into "
        "(default: SOCIALDESK_CONFIG, or socialdesk.yaml)",
    )
    parser.add_argument(
        "--departments",
        help="user groups that are departments, comma-separated handles (default: every group)",
    )


def _import_org(args: argparse.Namespace, settings: Settings) -> int:
    from bot.org.csv_import import read_csv
    from bot.org.importing import existing_departments, import_org

    out: Path = args.out or (
        Path("socialdesk.yaml")
        if settings.config.name == "socialdesk.example.yaml"
        else settings.config
    )
    if args.source == "csv":
        if args.file is None:
            print("import-org --from csv: name the CSV file", file=sys.stderr)
            return 2
        return import_org(out, lambda raw: read_csv(args.file, existing_departments(raw)))
    if not settings.slack_bot_token:
        print(
            "import-org --from slack: set SLACK_BOT_TOKEN (the bot token, xoxb-…)", file=sys.stderr
        )
        return 1
    from adapters.slack.directory import read_workspace

    token, api_url = settings.slack_bot_token, settings.slack_api_url
    wanted = (
        [d.strip() for d in args.departments.split(",") if d.strip()] if args.departments else None
    )
    return import_org(out, lambda raw: read_workspace(token, api_url, wanted))


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    from aiohttp import web

    from bot.server import create_app, is_loopback

    if not settings.secret_key and not is_loopback(host or settings.host):
        print(
            f"SOCIALDESK_SECRET_KEY is not set: refusing to serve on {host or settings.host}, "
            "which is not loopback (board sessions need it; make one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
            file=sys.stderr,
        )
        return 1
    if not _database_ready(settings):
        return 1
    try:
        app = create_app(settings, host=host or settings.host)
    except ConfigError as exc:
        _print_config_problems(
            settings.config, exc, "fix these, then start again (`socialdesk check-config`)."
        )
        return 1
    bind_host, bind_port = host or settings.host, port or settings.port

    def listening(_banner: str) -> None:
        """aiohttp calls this once the socket is open and the app has started (its signal
        handlers are in place): only then is the server ready."""
        logging.getLogger("bot.cli").info(
            "socialdesk listening on http://%s:%d", bind_host, bind_port
        )

    web.run_app(app, host=bind_host, port=bind_port, print=listening)
    return 0


if __name__ == "__main__":
    sys.exit(main())
