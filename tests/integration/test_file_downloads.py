"""Files named in a payload are fetched only from the platform's own file hosts, over real HTTP
on loopback: a foreign URL is never requested, a redirect never leaves the allowed hosts, and
the bot's token goes only where it belongs. `ChatPlatform.fetch_files` is what the inbox worker
calls before the engine's transaction; these tests call it directly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from botframework.connector.auth import MicrosoftAppCredentials
from slack_sdk.web.async_client import AsyncWebClient

from adapters.download import Hosts
from adapters.slack.files import hosts as slack_hosts
from adapters.slack.platform import SlackPlatform
from adapters.teams.app import build_adapter
from adapters.teams.files import DOWNLOAD_INFO, FILE_HOSTS, SERVICE_HOSTS
from adapters.teams.platform import TeamsPlatform
from bot.events import FileShared
from bot.settings import get_settings
from tests import intake_files as f
from tests.integration.file_hosts import FileHost

LIMIT = 50 * 1024**2
VISUAL = f.png(640, 480)


@pytest.fixture
async def microsoft() -> AsyncIterator[FileHost]:
    """Stands in for Microsoft's file hosts: allowed through SOCIALDESK_TEAMS_FILE_HOSTS."""
    host = FileHost("127.0.0.1")
    await host.start()
    yield host
    await host.stop()


@pytest.fixture
async def foreign() -> AsyncIterator[FileHost]:
    """Any other address: an internal service an attacker would like the bot to call."""
    host = FileHost("127.0.0.2")
    await host.start()
    yield host
    await host.stop()


@pytest.fixture(autouse=True)
def teams_file_hosts(microsoft: FileHost, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SOCIALDESK_TEAMS_FILE_HOSTS", microsoft.origin)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def download_info(name: str, url: str) -> dict[str, Any]:
    """A file attached in Teams, in wire form (the activity's attachment, camelCase)."""
    return {
        "contentType": DOWNLOAD_INFO,
        "name": name,
        "contentUrl": f"https://beispiel.sharepoint.com/personal/{name}",
        "content": {"downloadUrl": url, "uniqueId": "x", "fileType": "png"},
    }


def pasted(url: str, content_type: str = "image/png") -> dict[str, Any]:
    """An image pasted into a Teams message, and the HTML that lays the message out."""
    return {"contentType": content_type, "contentUrl": url}


HTML = {"contentType": "text/html", "content": '<p><img src="https://x/objects/1/views/imgo"></p>'}


def unauthenticated_teams() -> TeamsPlatform:
    return TeamsPlatform(build_adapter(app_id=None, app_password=None, tenant_id=None), "")


async def test_a_teams_file_on_a_foreign_host_is_never_requested(
    microsoft: FileHost, foreign: FileHost
) -> None:
    foreign.files["secret.png"] = VISUAL
    refs = [download_info("secret.png", f"{foreign.url}/secret.png?tempauth=x")]
    files = await unauthenticated_teams().fetch_files(refs, limit=LIMIT)
    assert files == (FileShared(name="secret.png", fetched=False, reason="host"),)
    assert foreign.requests == []


async def test_a_redirect_to_a_foreign_host_is_not_followed(
    microsoft: FileHost, foreign: FileHost
) -> None:
    foreign.files["secret.png"] = VISUAL
    away = f"{microsoft.url}/go?to={foreign.url}/secret.png"
    files = await unauthenticated_teams().fetch_files(
        [download_info("visual.png", away)], limit=LIMIT
    )
    assert files == (FileShared(name="visual.png", fetched=False, reason="host"),)
    assert [path for path, _ in microsoft.requests] == ["/go"]
    assert foreign.requests == []


async def test_a_redirect_within_the_allowed_hosts_is_followed(microsoft: FileHost) -> None:
    microsoft.files["visual.png"] = VISUAL
    there = f"{microsoft.url}/go?to={microsoft.url}/files/visual.png"
    files = await unauthenticated_teams().fetch_files(
        [download_info("visual.png", there)], limit=LIMIT
    )
    assert files == (FileShared(name="visual.png", data=VISUAL, size=len(VISUAL)),)


async def test_a_pasted_image_is_fetched_with_the_bots_token(
    microsoft: FileHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an app id the token comes from botbuilder's own credentials (Azure AD is not
    called here: the credential's token request is the one thing replaced)."""
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, *a: "bot-jwt")
    microsoft.files.update({"original": VISUAL, "plan.pdf": f.PDF})
    adapter = build_adapter(app_id="app-id", app_password="secret", tenant_id=None)
    refs = [
        pasted(f"{microsoft.url}/private/v3/attachments/1/views/original"),
        HTML,
        download_info("plan.pdf", f"{microsoft.url}/files/plan.pdf?tempauth=x"),
    ]
    files = await TeamsPlatform(adapter, "app-id").fetch_files(refs, limit=LIMIT)
    assert files == (
        FileShared(name="image-1.png", data=VISUAL, size=len(VISUAL)),
        FileShared(name="plan.pdf", data=f.PDF, size=len(f.PDF)),
    )
    assert microsoft.requests == [
        ("/private/v3/attachments/1/views/original", "Bearer bot-jwt"),
        ("/files/plan.pdf", ""),  # SharePoint's download URL is pre-authenticated
    ]


async def test_without_an_app_id_a_pasted_image_is_asked_for_without_a_token(
    microsoft: FileHost,
) -> None:
    """Local, unauthenticated mode has no token: a host that wants one refuses, and the
    refusal says it was a pasted image (the person is told to attach it as a file)."""
    microsoft.files["original"] = VISUAL
    refs = [
        pasted(f"{microsoft.url}/private/original"),
        pasted(f"{microsoft.url}/public/original", "image/jpeg"),
    ]
    files = await unauthenticated_teams().fetch_files(refs, limit=LIMIT)
    assert files == (
        FileShared(name="image-1.png", fetched=False, reason="pasted"),
        FileShared(name="image-2.jpeg", data=VISUAL, size=len(VISUAL)),
    )
    assert [auth for _, auth in microsoft.requests] == ["", ""]


async def test_a_pasted_image_on_a_foreign_host_gets_no_request_and_no_token(
    foreign: FileHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, *a: "bot-jwt")
    adapter = build_adapter(app_id="app-id", app_password="secret", tenant_id=None)
    files = await TeamsPlatform(adapter, "app-id").fetch_files(
        [pasted(f"{foreign.url}/original")], limit=LIMIT
    )
    assert files == (FileShared(name="image-1.png", fetched=False, reason="pasted"),)
    assert foreign.requests == []


async def test_only_html_is_no_file() -> None:
    assert await unauthenticated_teams().fetch_files([HTML], limit=LIMIT) == ()


async def test_a_file_bigger_than_it_claims_is_cut_at_the_limit(microsoft: FileHost) -> None:
    microsoft.files["liar.mp4"] = f.MP4 + b"\x00" * 200_000
    refs = [download_info("liar.mp4", f"{microsoft.url}/files/liar.mp4")]
    files = await unauthenticated_teams().fetch_files(refs, limit=64 * 1024)
    assert files == (FileShared(name="liar.mp4", size=0, complete=False),)


async def test_slack_files_come_from_slack_with_the_token(
    microsoft: FileHost, foreign: FileHost
) -> None:
    """The configured API host stands in for files.slack.com; anything else is not asked."""
    microsoft.files["visual.png"] = VISUAL
    foreign.files["secret.png"] = VISUAL
    client = AsyncWebClient(token="xoxb-test", base_url=f"{microsoft.url}/api/")
    refs = [
        {"name": "visual.png", "size": len(VISUAL), "url_private": f"{microsoft.url}/visual.png"},
        {"name": "secret.png", "size": 10, "url_private": f"{foreign.url}/secret.png"},
    ]
    files = await SlackPlatform(client).fetch_files(refs, limit=LIMIT)
    assert files == (
        FileShared(name="visual.png", data=VISUAL, size=len(VISUAL)),
        FileShared(name="secret.png", size=10, fetched=False, reason="host"),
    )
    assert microsoft.requests == [("/visual.png", "Bearer xoxb-test")]
    assert foreign.requests == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/a.png", True),
        ("https://slack.com/x", True),
        ("https://a.slack-edge.com/x", True),
        ("http://files.slack.com/x", False),  # no token over plain http
        ("https://files.slack.com.evil.example/x", False),
        ("https://evil.example/files.slack.com/x", False),
        ("https://files.slack.com@evil.example/x", False),
        ("https://evilslack.com/x", False),
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_slacks_file_hosts(url: str, allowed: bool) -> None:
    assert slack_hosts("https://slack.com/api/").allows(url) is allowed


@pytest.mark.parametrize(
    ("url", "files", "token"),
    [
        ("https://smba.trafficmanager.net/emea/v3/attachments/1/views/original", True, True),
        ("https://eu-api.asm.skype.com/v1/objects/0-weu/views/imgo", True, True),
        ("https://contoso-my.sharepoint.com/personal/a/b.png?tempauth=x", True, False),
        ("https://graph.microsoft.com/v1.0/drives/x", True, False),
        ("https://evil.trafficmanager.net/v3/attachments/1", False, False),
        ("https://169.254.169.254/latest/meta-data", False, False),
        ("http://contoso.sharepoint.com/x", False, False),
    ],
)
def test_teams_file_hosts_and_where_the_token_may_go(url: str, files: bool, token: bool) -> None:
    assert FILE_HOSTS.allows(url) is files
    assert SERVICE_HOSTS.allows(url) is token


def test_configured_hosts_name_their_port() -> None:
    hosts = Hosts().with_origins(["127.0.0.1:8080", "https://files.test"])
    assert hosts.allows("http://127.0.0.1:8080/a") and hosts.allows("https://files.test/a")
    assert not hosts.allows("http://127.0.0.1:8081/a")
    assert not hosts.allows("http://files.test/a")
