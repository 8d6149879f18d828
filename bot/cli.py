"""`socialdesk serve | migrate | check-config`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import migrate
from bot.orgconfig import ConfigError, load_config
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="socialdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the bot's web server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="bring the database schema up to date (alembic upgrade head)")
    check = sub.add_parser("check-config", help="validate the organisation file")
    check.add_argument("file", nargs="?", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler announces every run of every job at INFO: that is our scheduler's business.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "check-config":
        return _check_config(args.file or settings.config)
    return _serve(settings, args.host, args.port)


def _ensure_sqlite_dir(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _migrate(settings: Settings) -> int:
    _ensure_sqlite_dir(settings.database_url)
    migrate.upgrade(settings.database_url)
    print("database is up to date")
    return 0


def _check_config(path: Path) -> int:
    try:
        config = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"{path}: ok ({len(config.people)} people, {len(config.departments)} departments, "
        f"{len(config.approval_paths)} approval paths)"
    )
    return 0


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    from aiohttp import web

    from bot.server import create_app

    _ensure_sqlite_dir(settings.database_url)
    if not asyncio.run(migrate.is_up_to_date(settings.database_url)):
        print(
            "The database schema is not up to date. Run `socialdesk migrate` first.",
            file=sys.stderr,
        )
        return 1
    try:
        app = create_app(settings, host=host or settings.host)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"{settings.config}: fix these, then start again (`socialdesk check-config`).",
            file=sys.stderr,
        )
        return 1
    bind_host, bind_port = host or settings.host, port or settings.port
    logging.getLogger("bot.cli").info("socialdesk listening on http://%s:%d", bind_host, bind_port)
    web.run_app(app, host=bind_host, port=bind_port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
