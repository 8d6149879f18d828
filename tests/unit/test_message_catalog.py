"""Every user-facing text exists in German and English, with the same placeholders."""

from __future__ import annotations

from bot.i18n import LOCALES, catalog, placeholders


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
