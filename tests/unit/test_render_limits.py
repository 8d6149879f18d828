"""Whatever people send, what the renderers build fits the platform: Block Kit's limits on
every block, Teams' payload size for the whole activity. And people's markup stays inert:
no Slack mention or link from escaped text, no live Markdown link on a Teams card."""

from __future__ import annotations

import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.render import blocks, fallback_text, units
from adapters.teams.platform import to_activity
from adapters.teams.render import CARD_BUDGET, PAYLOAD_LIMIT, json_size
from bot.approvals import fulltext
from bot.approvals.reports import EXCERPT
from bot.forms import Form, Option, Select, TextInput
from bot.i18n import Reader, catalog
from bot.messages import Button, Fact, Image, Link, Message, Section
from storage.models import ContentItem, ContentVersion

# Short pieces repeated up to tens of thousands of characters: long texts, cheaply generated,
# with what escaping and measuring must get right (markup, umlauts, emoji, no spaces at all).
PIECES = st.sampled_from(
    [
        "Wort ",
        "<!channel> ",
        "<https://evil|click me>",
        "[click](https://evil) ",
        "&amp; ",
        "Größe ",
        "🚀",
        "👩‍👩‍👧 ",
        "漢字",
        "x",
        "\n",
        "*fett* _kursiv_ ",
    ]
)


@st.composite
def texts(draw: st.DrawFn, max_repeat: int = 8000) -> str:
    head = draw(st.text(max_size=30))
    piece = draw(PIECES)
    return head + piece * draw(st.integers(0, max_repeat))


def short_texts() -> st.SearchStrategy[str]:
    return texts(max_repeat=40)


def facts() -> st.SearchStrategy[list[Fact]]:
    return st.lists(st.builds(Fact, label=short_texts(), value=texts(3000)), max_size=25)


buttons = st.lists(
    st.builds(
        Button,
        label=short_texts(),
        action=st.sampled_from(["approval.approve", "approval.reject", "crisis.check.x"]),
        value=st.one_of(st.from_regex(r"\A[0-9]{1,12}\Z"), texts(300)),
        style=st.sampled_from([None, "primary", "danger"]),
    ),
    max_size=30,
)
forms = st.builds(
    Form,
    title=short_texts(),
    submit_label=short_texts(),
    action=st.just("approval.reject.submit"),
    value=st.from_regex(r"\A[0-9]{1,6}\Z"),
    intro=st.one_of(st.none(), texts(2000)),
    inputs=st.lists(
        st.builds(TextInput, name=st.sampled_from(["comment", "text"]), label=short_texts()),
        max_size=3,
    ),
    select=st.one_of(
        st.none(),
        st.builds(
            Select,
            name=st.just("why"),
            label=short_texts(),
            options=st.lists(
                st.builds(Option, label=short_texts(), value=st.just("v")), max_size=5
            ),
        ),
    ),
)
urls = st.from_regex(r"\Ahttps://[a-z]{1,4000}\.png\Z")
images = st.builds(Image, url=urls, alt=texts(3000))
messages = st.builds(
    Message,
    text=texts(),
    sections=st.lists(
        st.builds(
            Section,
            text=texts(),
            fields=facts(),
            items=st.lists(texts(400), max_size=40),
            link=st.one_of(st.none(), st.builds(Link, label=short_texts(), url=urls)),
        ),
        max_size=60,
    ),
    fields=facts(),
    image=st.one_of(st.none(), images),
    images=st.lists(images, max_size=12),
    buttons=buttons,
    context=st.one_of(st.none(), texts()),
    form=st.one_of(st.none(), forms),
    cut_note=st.one_of(st.none(), st.just("gekürzt – ganzer Text: /desk history 42")),
    locale=st.sampled_from([None, "de", "en"]),
)
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ESCAPED = re.compile(r"&(?!amp;|lt;|gt;)|[<>]")


def mrkdwn_texts(rendered: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in rendered:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        if block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    return out


def assert_within_block_kit(rendered: list[dict[str, Any]]) -> None:
    assert len(rendered) <= 50
    for block in rendered:
        if block["type"] == "section":
            assert "text" in block or block.get("fields")
            if "text" in block:
                assert units(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(units(f["text"]) <= 2000 for f in block.get("fields", []))
            if "accessory" in block:
                button = block["accessory"]
                assert units(button["text"]["text"]) <= 75 and len(button["url"]) <= 3000
        elif block["type"] == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for button in block["elements"]:
                assert units(button["text"]["text"]) <= 75
                assert len(button["value"]) <= 2000 and len(button["action_id"]) <= 255
        elif block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(units(e["text"]) <= 3000 for e in block["elements"])
        elif block["type"] == "image":
            assert len(block["image_url"]) <= 3000 and units(block["alt_text"]) <= 2000
            assert units(block.get("title", {}).get("text", "")) <= 2000
        else:
            raise AssertionError(f"unexpected block {block['type']}")


@PROPERTY
@given(messages)
def test_slack_payload_is_always_within_block_kit_limits(message: Message) -> None:
    rendered = blocks(message)
    assert_within_block_kit(rendered)
    text = fallback_text(message)
    assert units(text) <= 40_000
    for shown in [text, *mrkdwn_texts(rendered)]:
        assert not ESCAPED.search(shown), f"unescaped markup in {shown[:200]!r}"


def envelope(activity: Any) -> Any:
    """The fields botbuilder adds before sending, with ids as long as real Teams ones."""
    long_id = "a:1" + "x" * 150
    reference = ConversationReference(
        activity_id="1:" + "9" * 40,
        user=ChannelAccount(id="29:1" + "u" * 120, name="Carla Neumann-Schmidt"),
        bot=ChannelAccount(id="28:" + "b" * 36, name="socialdesk"),
        conversation=ConversationAccount(
            id=long_id, conversation_type="personal", tenant_id="t" * 36
        ),
        channel_id="msteams",
        locale="de-DE",
        service_url="https://smba.trafficmanager.net/emea/" + "s" * 40 + "/",
    )
    return TurnContext.apply_conversation_reference(activity, reference)


@PROPERTY
@given(messages)
def test_teams_activity_is_always_under_the_size_teams_takes(message: Message) -> None:
    activity = envelope(to_activity(message))
    assert json_size(activity.serialize()) <= PAYLOAD_LIMIT
    for attachment in activity.attachments or []:
        content = attachment.content
        assert json_size(content) <= CARD_BUDGET
        shown = [e.get("text", "") for e in content["body"] if e["type"] == "TextBlock"]
        shown += [
            f[key]
            for e in content["body"]
            if e["type"] == "FactSet"
            for f in e["facts"]
            for key in ("title", "value")
        ]
        assert not any("](" in text for text in shown)
    assert "](" not in (activity.text or "")


def test_the_bot_writes_no_markdown_links_or_slack_markup_of_its_own() -> None:
    """Both renderers make every text inert, which is right only while the bot's own texts
    carry no links or mentions: a text that needs one needs a way to mark it as the bot's."""
    for key, by_locale in catalog().items():
        for text in by_locale.values():
            assert "](" not in text and "<http" not in text and "<!" not in text, key
            assert "<@" not in text, key


def test_a_realistic_card_keeps_its_texts_whole() -> None:
    """Shrinking is for content that does not fit, not for ordinary cards."""
    message = Message(
        text="Freigabe angefragt: Messe",
        sections=[Section(text="Neuer Beitrag zur Messe in Köln " * 20)],
        fields=[Fact(label="Von", value="Carla")],
        context="#3",
    )
    out = to_activity(message).attachments[0].content
    assert out["body"][1]["text"] == "Neuer Beitrag zur Messe in Köln " * 20
    assert json.dumps(blocks(message)).count("gekürzt") == 0


@PROPERTY
@given(texts(12000), st.sampled_from(["de", "en"]))
def test_the_full_text_comes_whole_in_parts_no_renderer_cuts(text: str, locale: str) -> None:
    """What `/desk history ID` sends after a card said "gekürzt": every character, uncut."""
    item = ContentItem(id=42, versions=[ContentVersion(number=2, text=text)])
    parts = fulltext.messages(Reader(locale=locale, tz=ZoneInfo("Europe/Berlin")), item)
    if len(text) <= EXCERPT:
        assert parts == []
        return
    words = "".join(s.text for p in parts for s in p.sections)
    assert "".join(words.split()) == "".join(text.split())  # only whitespace at cuts goes
    shortened = catalog()["message.shortened"][locale]
    for part in parts:
        assert shortened not in json.dumps(blocks(part), ensure_ascii=False)
        activity = to_activity(part)
        shown = activity.attachments[0].content if activity.attachments else activity.text
        assert shortened not in json.dumps(shown, ensure_ascii=False)
