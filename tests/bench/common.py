"""The shape every bench scenario reports in: a figure beside its same-run baseline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of `make bench`'s table: every ratio is measured ÷ baseline of the same unit,
    measured in the same run; the unit (and `target`) says which way is good."""

    scenario: str
    database: str
    unit: str
    baseline: float
    measured: float
    note: str = ""
    # What the issue asks of the ratio, e.g. "≥ 0.5×" (empty: reported, no target).
    target: str = ""
    # Correctness counts that the smoke run in `make test` asserts (e.g. lost=0, twice=0).
    lost: int = 0
    twice: int = 0

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("inf")
