"""Commands and actions by name; features register theirs with the decorators below."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import Context
from bot.named import registrar

Handler = Callable[[Context, str], Awaitable[None]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    usage_key: str
    aliases: tuple[str, ...] = ()


COMMANDS: dict[str, CommandSpec] = {}
ACTIONS: dict[str, Handler] = {}
_ORDER: list[CommandSpec] = []


def command(
    name: str, *, usage_key: str, aliases: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        spec = CommandSpec(name, handler, usage_key, aliases)
        for key in (name, *aliases):
            if key in COMMANDS:
                raise ValueError(f"command {key!r} registered twice")
            COMMANDS[key] = spec
        _ORDER.append(spec)
        return handler

    return register


action = registrar(ACTIONS, "action")


FILE_HANDLERS: list[Handler] = []


def on_files(handler: Handler) -> Handler:
    """The handler for a message that brings files (intake); it gets the message's text."""
    if FILE_HANDLERS:
        raise ValueError("a file handler is registered already")
    FILE_HANDLERS.append(handler)
    return handler


def listed_commands() -> list[CommandSpec]:
    return list(_ORDER)
