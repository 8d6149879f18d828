"""The board's SVG charts: well-formed, described for screen readers, and people's words in
them (titles, department names) stay text even when they look like markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from adapters.web.board.charts import Series, bar_chart, line_chart, nice_max, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & Co'


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title")]


def test_a_label_that_looks_like_markup_stays_text_in_every_chart() -> None:
    charts = [
        bar_chart(HOSTILE, [(HOSTILE, 3)]),
        line_chart(HOSTILE, ["KW 1", HOSTILE], [Series(HOSTILE, [1.5, None])]),
        stacked_bars(HOSTILE, ["KW 1"], [Series(HOSTILE, [2])]),
    ]
    for svg in charts:
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = parsed(svg)  # still well-formed XML: nothing broke out of its element
        assert not list(root.iter(f"{SVG}script"))
        assert HOSTILE in texts(root)


def test_a_chart_has_a_title_and_says_its_data_in_words() -> None:
    root = parsed(line_chart("Durchlaufzeit", ["KW 47", "KW 48"], [Series("Recht", [24, 12])]))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Durchlaufzeit"
    assert desc is not None and desc.text == "Recht: KW 47 24, KW 48 12"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    points = [t for t in texts(root) if t.startswith("Recht, ")]
    assert points == ["Recht, KW 47: 24", "Recht, KW 48: 12"]
    assert "KW 47" in texts(root) and "KW 48" in texts(root)  # the axis labels


def test_a_gap_in_a_series_draws_no_point() -> None:
    root = parsed(line_chart("t", ["a", "b", "c"], [Series("s", [1, None, 2])]))
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_stacked_bars_stack_each_week() -> None:
    root = parsed(
        stacked_bars("Posts", ["KW 47", "KW 48"], [Series("LinkedIn", [2, 0]), Series("X", [3, 1])])
    )
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    titles = [(r.find(f"{SVG}title").text or "") for r in bars]  # type: ignore[union-attr]
    assert titles == ["LinkedIn, KW 47: 2", "X, KW 47: 3", "X, KW 48: 1"]
    # The two bars of KW 47 sit on each other: the second starts where the first ends.
    first, second = bars[0], bars[1]
    assert float(second.get("y") or 0) + float(second.get("height") or 0) == (
        float(first.get("y") or 0)
    )


def test_an_empty_chart_says_so() -> None:
    svg = bar_chart("Offene Freigaben", [], empty="Keine Freigabe wartet.")
    assert "Keine Freigabe wartet." in texts(parsed(svg))
    assert "Keine Freigabe wartet." in stacked_bars(
        "P", ["KW 1"], [], empty="Keine Freigabe wartet."
    )


def test_axes_end_on_round_numbers() -> None:
    assert nice_max(0) == (1.0, 1.0)
    assert nice_max(7) == (8.0, 2.0)
    assert nice_max(24) == (25.0, 5.0)
    assert nice_max(1.5) == (1.5, 0.5)
    assert nice_max(1, whole=True) == (1.0, 1.0)  # counts have no halves
