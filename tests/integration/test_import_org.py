"""`socialdesk import-org`: the organisation file from the Slack workspace or an HR export."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.orgconfig import load_config
from tests.conftest import EXAMPLE_CONFIG
from tests.fakes.slack_api import FakeSlackApi


async def import_org(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake: FakeSlackApi | None,
    *args: str,
) -> tuple[int, str, str]:
    """The command as an operator runs it (in a thread: the fake Slack answers on this loop)."""
    monkeypatch.setenv("SOCIALDESK_LOG_LEVEL", "WARNING")  # the fake's access log stays out
    if fake is not None:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    code = await asyncio.to_thread(cli.main, ["import-org", *args])
    out, err = capsys.readouterr()
    return code, out, err


def workspace_of(fake: FakeSlackApi, n: int) -> None:
    for i in range(n):
        fake.add_member(f"U{i:05d}", f"Person {i:04d} Muster", f"p{i}@beispiel.de")


async def test_a_workspace_of_2000_becomes_an_organisation_file(
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workspace_of(fake_slack, 1996)
    fake_slack.add_member("UJUERGEN", "Jürgen Groß", "JUERGEN@beispiel.de")
    fake_slack.add_member("UZOE", "Zoë Çelik", "zoe@beispiel.de")
    fake_slack.add_member("UGONE", "Gerda Gone", "gerda@beispiel.de", deleted=True)
    fake_slack.add_member("UBOT", "Deploy Bot", None, bot=True)
    fake_slack.add_usergroup("S1", "marketing", "Marketing", ["UJUERGEN", "U00001", "UGONE"])
    fake_slack.add_usergroup("S2", "presse", "Presse & PR", ["UZOE"])
    fake_slack.add_usergroup("S3", "kegelclub", "Kegelclub", ["U00002"])
    out = tmp_path / "org.yaml"

    code, stdout, stderr = await import_org(
        monkeypatch,
        capsys,
        fake_slack,
        "--from",
        "slack",
        "--out",
        str(out),
        "--departments",
        "marketing,presse",
    )

    assert code == 0, stderr
    assert len(fake_slack.calls_to("users.list")) == 10  # 2,000 members, 200 a page
    assert f"{out}: 1998 added" in stdout
    assert f"{out}: ok (1998 people, 2 departments, 1 approval paths)" in stdout
    config = load_config(out)
    people = {p.email: p for p in config.people}
    assert "gerda@beispiel.de" not in people and len(people) == 1998  # deleted, bot left out
    assert people["juergen@beispiel.de"].handle == "juergen"
    assert people["juergen@beispiel.de"].slack_id == "UJUERGEN"
    assert people["zoe@beispiel.de"].handle == "zoe"
    assert all(p.handle.isascii() for p in config.people)
    assert len({p.handle for p in config.people}) == 1998
    assert {d.id: d.name for d in config.departments} == {
        "marketing": "Marketing",
        "presse": "Presse & PR",
    }
    marketing = config.departments[0]
    assert {marketing.lead, *marketing.members} == {"juergen", people["p1@beispiel.de"].handle}
    assert "department marketing: lead set to" in stdout  # user groups have no lead


async def test_running_it_again_merges_and_keeps_what_was_written_by_hand(
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "org.yaml"
    shutil.copy(EXAMPLE_CONFIG, out)
    before = yaml.safe_load(out.read_text(encoding="utf-8"))
    fake_slack.add_member("U01ANNA", "Anna Schmidt-Berg", "anna.berg@beispiel.de")  # renamed
    fake_slack.add_member("U02BEN", "Ben Weber", "ben@beispiel.de")
    fake_slack.add_member("U03CARLA", "Carla Neumann", "carla@beispiel.de", deleted=True)
    fake_slack.add_member("U09ANNA", "Anna Müller", "anna.mueller@beispiel.de")  # a new Anna
    fake_slack.add_usergroup("S1", "marketing", "Marketing", ["U02BEN", "U09ANNA"])

    code, stdout, stderr = await import_org(
        monkeypatch,
        capsys,
        fake_slack,
        "--from",
        "slack",
        "--out",
        str(out),
        "--departments",
        "marketing",
    )

    assert code == 0, stderr
    assert f"{out}: 1 added: anna.mueller" in stdout
    assert "anna (name, e-mail)" in stdout and "ben (Slack id)" in stdout
    assert f"{out}: 1 left (marked active: false): carla" in stdout
    after = yaml.safe_load(out.read_text(encoding="utf-8"))
    for key in ("approval_paths", "channels", "meeting", "crisis", "roles", "intake"):
        assert after.get(key) == before.get(key), key
    people = {p["handle"]: p for p in after["people"]}
    assert people["anna"]["name"] == "Anna Schmidt-Berg"
    assert people["anna"]["roles"] == ["social_media_manager"]  # hand-written, kept
    assert people["anna"]["teams_id"] == "user-id-2"
    assert people["carla"]["active"] is False  # never deleted
    assert people["eva"] == next(p for p in before["people"] if p["handle"] == "eva")
    marketing = after["departments"][0]
    assert marketing["lead"] == "ben"  # written by hand
    assert marketing["members"] == ["carla", "anna.mueller"]  # the leaver stays in history
    assert load_config(out).person("carla").active is False  # type: ignore[union-attr]

    code, stdout, _ = await import_org(
        monkeypatch,
        capsys,
        fake_slack,
        "--from",
        "slack",
        "--out",
        str(out),
        "--departments",
        "marketing",
    )
    assert code == 0
    assert f"{out}: 0 added" in stdout and f"{out}: 0 changed" in stdout
    assert f"{out}: 0 left" in stdout  # stable: the same handles, nothing new


@pytest.mark.parametrize(
    ("method", "scope"),
    [("usergroups.list", "usergroups:read"), ("users.list", "users:read")],
)
async def test_a_token_without_a_scope_says_which_and_writes_nothing(
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    method: str,
    scope: str,
) -> None:
    workspace_of(fake_slack, 3)
    fake_slack.lack_scope(method, scope)
    out = tmp_path / "org.yaml"
    code, _, stderr = await import_org(
        monkeypatch, capsys, fake_slack, "--from", "slack", "--out", str(out)
    )
    assert code == 1 and not out.exists()
    assert stderr.strip().splitlines() == [
        f"the Slack token lacks the scope {scope}: add it under OAuth & Permissions → Bot Token "
        "Scopes (or paste `socialdesk slack-manifest`, which lists it), reinstall the app, then "
        "run import-org again"
    ]


async def test_without_users_read_email_the_addresses_are_missing_and_it_says_so(
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_slack.add_member("U1", "Anna Schmidt", None)  # Slack hides e-mails without the scope
    fake_slack.add_member("U2", "Ben Weber", None)
    out = tmp_path / "org.yaml"
    code, _, stderr = await import_org(
        monkeypatch, capsys, fake_slack, "--from", "slack", "--out", str(out)
    )
    assert code == 1 and not out.exists()
    assert "lacks the scope users:read.email" in stderr
    assert len(stderr.strip().splitlines()) == 1


# --- an HR export ---------------------------------------------------------------------------

EXPORT = (
    "Name;E-Mail;Abteilung;Leitung;Rollen\n"
    "Jürgen Groß;juergen@beispiel.de;Marketing;ja;\n"
    "Zoë Weiß;zoe@beispiel.de;Marketing;;social_media_manager\n"
    "Ömer Çelik;oemer@beispiel.de;Presse & Öffentlichkeit;x;press\n"
)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", EXPORT),
        ("utf-8-sig", EXPORT),  # Excel's "CSV UTF-8": a BOM first
        ("cp1252", EXPORT.replace("Zoë", "Zoé")),  # Excel's plain "CSV": Windows-1252
        ("utf-8", EXPORT.replace(";", ",").replace("Presse & Öffentlichkeit", '"Presse, PR"')),
    ],
)
async def test_an_hr_export_in_what_spreadsheets_write(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    encoding: str,
    text: str,
) -> None:
    export = tmp_path / "hr.csv"
    export.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    out = tmp_path / "org.yaml"
    code, stdout, stderr = await import_org(
        monkeypatch, capsys, None, "--from", "csv", str(export), "--out", str(out)
    )
    assert code == 0, stderr
    config = load_config(out)
    names = {p.handle: p.name for p in config.people}
    assert names["juergen"] == "Jürgen Groß" and names["oemer"] == "Ömer Çelik"
    assert names["zoe"] in ("Zoë Weiß", "Zoé Weiß")
    marketing = next(d for d in config.departments if d.id == "marketing")
    assert (marketing.lead, marketing.members) == ("juergen", ["zoe"])
    assert config.person("zoe").roles == ["social_media_manager"]  # type: ignore[union-attr]
    assert "2 new departments" in stdout


async def test_an_export_into_a_file_with_departments_finds_them_and_creates_new_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "org.yaml"
    shutil.copy(EXAMPLE_CONFIG, out)
    export = tmp_path / "hr.csv"
    rows = [
        "name,email,department,lead,roles",
        "Anna Schmidt,anna@beispiel.de,Marketing,,social_media_manager",
        "Ben Weber,ben@beispiel.de,marketing,yes,management",
        "Carla Neumann,carla@beispiel.de,Produktmanagement,,",  # moved from Marketing
        "Felix Wolf,felix@beispiel.de,Produktmanagement,yes,",
        "Eva Lang,eva@beispiel.de,Recht,yes,legal",
        "David Krause,david@beispiel.de,Presse,yes,press",
        "Greta Neu,greta@beispiel.de,Recht,,",
    ]
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, stdout, stderr = await import_org(
        monkeypatch, capsys, None, "--from", "csv", str(export), "--out", str(out)
    )
    assert code == 0, stderr
    assert f"{out}: 1 added: greta" in stdout
    assert f"{out}: 2 new departments: recht, presse" in stdout
    config = load_config(out)
    depts = {d.id: d for d in config.departments}
    assert depts["marketing"].members == ["anna"]  # Carla moved on
    assert depts["produkt"].members == ["carla"]
    assert (depts["recht"].lead, depts["recht"].members) == ("eva", ["greta"])


async def test_every_problem_of_an_export_is_named_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "hr.csv"
    export.write_text(
        "name;email;department;lead\n"
        "Anna;anna@beispiel.de;Marketing;ja\n"
        ";ben@beispiel.de;Marketing;\n"
        "Anna Zwei;ANNA@beispiel.de;Marketing;vielleicht\n"
        "Carla;carla(at)beispiel.de;Presse;\n",
        encoding="utf-8",
    )
    out = tmp_path / "org.yaml"
    code, _, stderr = await import_org(
        monkeypatch, capsys, None, "--from", "csv", str(export), "--out", str(out)
    )
    assert code == 1 and not out.exists()
    assert stderr.strip().splitlines() == [
        f"{export}: line 3, column name: empty",
        f"{export}: line 4, column email: anna@beispiel.de is on line 2 already",
        f"{export}: line 4, column lead: 'vielleicht' (use ja/nein, yes/no, x or empty)",
        f"{export}: line 5, column email: not an e-mail address 'carla(at)beispiel.de'",
    ]

    export.write_text("Name;Mail\nAnna;anna@beispiel.de\n", encoding="utf-8")
    code, _, stderr = await import_org(
        monkeypatch, capsys, None, "--from", "csv", str(export), "--out", str(out)
    )
    assert code == 1 and not out.exists()
    assert stderr.strip() == f"{export}: line 1: missing column 'department' (found: Name, Mail)"
