"""Tables of functions by name, filled by decorators as feature modules are imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F")


def registrar(table: dict[str, F], what: str) -> Callable[[str], Callable[[F], F]]:
    """A decorator factory that puts a function into `table` under a name; a name taken
    twice is a mistake made at import, so it fails there."""

    def by_name(name: str) -> Callable[[F], F]:
        def register(function: F) -> F:
            if name in table:
                raise ValueError(f"{what} {name!r} registered twice")
            table[name] = function
            return function

        return register

    return by_name
