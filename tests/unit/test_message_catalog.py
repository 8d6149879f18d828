"""Every user-facing text exists in German and English, with the same placeholders."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import LOCALES, catalog, format_age, placeholders, plural_problems, t


def test_every_key_has_both_languages_and_the_same_placeholders() -> None:
    texts = catalog()
    assert texts, "the catalog is empty"
    for key, by_locale in texts.items():
        assert set(by_locale) == set(LOCALES), key
        assert all(by_locale[loc].strip() for loc in LOCALES), f"{key}: empty text"
        de, en = (placeholders(by_locale[loc]) for loc in ("de", "en"))
        assert de == en, f"{key}: placeholders differ (de {de}, en {en})"


def test_every_command_usage_text_exists() -> None:
    from bot import features  # noqa: F401  (registers the commands)
    from bot.registry import listed_commands

    specs = listed_commands()
    assert specs, "no commands registered"
    for spec in specs:
        assert spec.usage_key in catalog(), f"/{spec.name}: usage text {spec.usage_key} missing"


def test_every_command_has_a_menu_line_in_both_languages() -> None:
    """Slack's slash commands and the Teams command list show `command.NAME.summary`."""
    from bot import features  # noqa: F401  (registers the commands)
    from bot.registry import listed_commands

    for spec in listed_commands():
        assert f"command.{spec.name}.summary" in catalog(), f"/{spec.name}: no menu line"


def test_counts_take_the_singular_for_one_and_the_plural_otherwise() -> None:
    assert t("de", "departments.count", n=1) == "1 Beitrag"
    assert t("de", "departments.count", n=0) == "0 Beiträge"
    assert t("en", "departments.count", n=1) == "1 contribution"
    shown = t("de", "crisis.content_counts", frozen=2, held=1)
    assert shown == "2 eingefroren, 1 Freigabe angehalten"
    assert t("en", "crisis.content_counts", frozen=1, held=3) == "1 frozen, 3 approvals held"


def test_a_plural_field_needs_two_forms() -> None:
    assert plural_problems("{n} {n|Beitrag|Beiträge}") == []
    assert plural_problems("{n} {n|Beiträge}") == ["n|Beiträge"]
    assert placeholders("{n} {n|Beitrag|Beiträge} seit {age:seit _}") == {"n", "age"}


def test_an_age_under_a_minute_reads_just_now() -> None:
    fresh, later = format_age(timedelta(seconds=30), "de"), format_age(timedelta(minutes=5), "de")
    assert f"{fresh:seit _}" == "gerade eben" and f"{later:seit _}" == "seit 5 Min."
    assert f"{fresh:_ ago|a moment ago}" == "a moment ago"
    assert str(fresh) == "< 1 Min."  # on its own, an amount
    assert f"{format_age(timedelta(seconds=5), 'en'):for _}" == "just now"
    assert format_age(timedelta(days=3), "de") == "3 Tage"
