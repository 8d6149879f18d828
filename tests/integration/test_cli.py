"""The `socialdesk` command as an operator uses it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import yaml

from tests.conftest import EXAMPLE_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def socialdesk(
    *args: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SOCIALDESK_CONFIG": str(EXAMPLE_CONFIG), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=60,
        **kw,  # type: ignore[call-overload]
    )


def _write(tmp_path: Path, mutate: object) -> Path:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    mutate(raw)  # type: ignore[operator]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_example_config_is_valid() -> None:
    result = socialdesk("check-config", str(EXAMPLE_CONFIG))
    assert result.returncode == 0, result.stderr
    assert "ok (6 people, 2 departments, 3 approval paths)" in result.stdout


def test_check_config_names_each_problem_with_its_path(tmp_path: Path) -> None:
    def break_it(raw: dict) -> None:  # type: ignore[type-arg]
        raw["approval_paths"]["standard"]["stages"][1]["approvers"][0] = "role:legel"
        raw["departments"][0]["lead"] = "bernd"
        raw["approval_paths"]["produkt"]["stages"][0]["sla"] = "soon"
        raw["people"][2]["emial"] = "x"

    result = socialdesk("check-config", str(_write(tmp_path, break_it)))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    bad_sla = "invalid duration 'soon' (use e.g. 15m, 4h, 1d, 1h30m)"
    assert f"approval_paths.produkt.stages[0].sla: {bad_sla}" in lines
    assert "people[2].emial: unknown key" in lines
    assert result.stderr.strip().endswith("problem(s)")


def test_check_config_reports_cross_references(tmp_path: Path) -> None:
    def break_refs(raw: dict) -> None:  # type: ignore[type-arg]
        raw["approval_paths"]["standard"]["stages"][1]["approvers"][0] = "role:legel"
        raw["departments"][0]["lead"] = "bernd"
        raw["crisis"]["approval_path"] = "panik"

    result = socialdesk("check-config", str(_write(tmp_path, break_refs)))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "approval_paths.standard.stages[1].approvers[0]: unknown role 'legel'" in lines
    assert "departments[0].lead: unknown person 'bernd'" in lines
    assert "crisis.approval_path: unknown approval path 'panik'" in lines


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    assert "file not found" in socialdesk("check-config", str(tmp_path / "nope.yaml")).stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [unclosed", encoding="utf-8")
    result = socialdesk("check-config", str(bad))
    assert result.returncode == 1 and "not valid YAML" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = socialdesk(
        "serve", env={"SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    )
    assert result.returncode == 1
    assert "socialdesk migrate" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_migrate_then_serve_answers_healthz_without_credentials(tmp_path: Path) -> None:
    env = {
        "SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'sd.db'}",
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SOCIALDESK_PLAYGROUND": "0",
    }
    assert socialdesk("migrate", env=env).returncode == 0
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env={**os.environ, "SOCIALDESK_CONFIG": str(EXAMPLE_CONFIG), **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert '"status": "ok"' in body
        assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set" in body
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "adapter slack off" in output


# --- an operator's mistakes: one line naming what is wrong, exit 1, never a traceback --------


QUIET = {"SOCIALDESK_LOG_LEVEL": "WARNING"}  # only what is wrong, not alembic's INFO lines


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _migrated_sqlite(tmp_path: Path) -> dict[str, str]:
    env = {"SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'sd.db'}", **QUIET}
    assert socialdesk("migrate", env=env).returncode == 0
    return env


def _unreadable_configs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(EXAMPLE_CONFIG.read_bytes().replace(b"name:", "näme:".encode("latin-1"), 1))
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    return {
        "latin1": (latin1, f"{latin1}: not UTF-8 text (byte 0xe4 at offset "),
        "folder": (folder, f"{folder}: is a folder, not a file"),
        "missing": (tmp_path / "nope.yaml", f"{tmp_path / 'nope.yaml'}: file not found"),
    }


def test_check_config_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    for path, said in _unreadable_configs(tmp_path).values():
        assert one_line_error(socialdesk("check-config", str(path))).startswith(said)


def test_serve_names_a_config_file_it_cannot_read(tmp_path: Path) -> None:
    env = _migrated_sqlite(tmp_path)
    for path, said in _unreadable_configs(tmp_path).values():
        result = socialdesk("serve", env={**env, "SOCIALDESK_CONFIG": str(path)})
        assert one_line_error(result).startswith(said)


UNREACHABLE = {
    "refused": (
        "postgresql://desk:geheim@127.0.0.1:1/desk",
        "postgresql://desk:***@127.0.0.1:1/desk: not reachable: Connection refused",
    ),
    "no such database": (
        "postgresql://postgres@127.0.0.1:5432/socialdesk_does_not_exist",
        "postgresql://postgres@127.0.0.1:5432/socialdesk_does_not_exist: "
        'not reachable: database "socialdesk_does_not_exist" does not exist',
    ),
    "not a url": ("geheim", "geheim: not a database URL"),
    "unknown driver": (
        "oracle+nothing://u:geheim@h/db",
        "oracle+nothing://u:***@h/db: unsupported",
    ),
}


def test_migrate_names_a_database_it_cannot_reach_without_its_password(tmp_path: Path) -> None:
    not_a_db = tmp_path / "text.db"
    not_a_db.write_text("hello", encoding="utf-8")
    cases = {
        **UNREACHABLE,
        "not sqlite": (
            f"sqlite:///{not_a_db}",
            f"sqlite:///{not_a_db}: not reachable: file is not a database",
        ),
    }
    for name, (url, said) in cases.items():
        line = one_line_error(socialdesk("migrate", env={"SOCIALDESK_DATABASE_URL": url, **QUIET}))
        assert line.startswith(said), name
        assert "geheim" not in line or url == "geheim", name


def test_serve_names_a_database_it_cannot_reach(tmp_path: Path) -> None:
    url, said = UNREACHABLE["refused"]
    line = one_line_error(socialdesk("serve", env={"SOCIALDESK_DATABASE_URL": url, **QUIET}))
    assert line.startswith(said) and "geheim" not in line


def test_json_log_format_is_one_object_per_line(tmp_path: Path) -> None:
    env = {
        "SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'sd.db'}",
        "SOCIALDESK_LOG_FORMAT": "json",
    }
    result = socialdesk("migrate", env=env)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert records, "migrate logs what it does"
    for record in records:
        assert set(record) >= {"time", "level", "logger", "message"}
        datetime.fromisoformat(record["time"])
    assert any(r["logger"].startswith("alembic") and "upgrade" in r["message"] for r in records)
