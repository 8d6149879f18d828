"""Command hints as Teams people type them: `submit TEXT`, never `/submit TEXT`.

The engine writes one text for every platform, with the hints Slack needs (`/desk status`);
Teams has no slash commands, so before a message is rendered here every hint loses its slash
(and the umbrella `/desk`). Done on the neutral message, so every part of it is covered,
whatever the card makes of it.
"""

from __future__ import annotations

from typing import Any

from bot.commands import typed_without_slash
from bot.messages import Message


def typed_in_teams(message: Message) -> Message:
    return Message.model_validate(_rewrite(message.model_dump()))


def _rewrite(value: Any) -> Any:
    if isinstance(value, str):
        return typed_without_slash(value)
    if isinstance(value, dict):
        return {key: _rewrite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite(item) for item in value]
    return value
