"""Channel findings as a message section, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.channels.checks import Finding
from bot.messages import Section

Translate = Callable[..., str]


def finding_lines(t: Translate, findings: Sequence[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        text = t(finding.key, **finding.params)
        key = "channels.findings.blocking" if finding.blocking else "channels.findings.advice"
        lines.append(t(key, text=text))
    return lines


def findings_section(t: Translate, findings: Sequence[Finding]) -> Section:
    if not findings:
        return Section(text=t("channels.findings.none"))
    lines = finding_lines(t, findings)
    return Section(text=t("channels.findings.title"), items=lines)
