"""The lesion's size over time: measured by lesion callipers or declared, never typed twice."""

from __future__ import annotations

from tests.conftest import BUNDLED, CaseFactory
from viewer.cases.loader import load_case
from viewer.lesion_timeline import chart_payload, lesion_size


def test_bundled_sizes_come_from_the_callipers() -> None:
    chart = chart_payload(load_case(BUNDLED))
    assert chart is not None
    sized = [(m["panel"], m["sizeMm"], m["source"]) for m in chart["marks"] if m["sizeMm"]]
    assert sized == [("A", 12.0, "calliper"), ("C", 15.0, "calliper"), ("D", 10.0, "calliper"),
                     ("G", 4.0, "calliper")]
    assert [m["panel"] for m in chart["marks"]] == list("ABCDEFGH")  # every date marked
    assert chart["yMaxMm"] == 20.0


def test_time_axis_keeps_the_steps_in_order() -> None:
    chart = chart_payload(load_case(BUNDLED))
    assert chart is not None
    t = [m["t"] for m in chart["marks"]]
    assert t[0] == 0.0 and t[-1] == 1.0 and t == sorted(t)
    # C (Mar 2004) lies about a third of the way from Jun 2003 to Sep 2005.
    assert 0.3 < t[2] < 0.36
    # G, dated only "2005", is not placed before E (Sep 2005) that precedes it.
    assert t[6] == t[4]


def test_size_field_wins_and_shows_its_source(make_case: CaseFactory) -> None:
    folder = make_case(
        ('presenter_notes = "Close the loop', 'lesion_size_mm = 4.5\npresenter_notes = "Close the loop'),
    )
    loaded = load_case(folder)
    size = lesion_size(loaded, 7)
    assert size is not None and (size.size_mm, size.source) == (4.5, "size field")


def test_no_chart_with_fewer_than_two_sizes(make_case: CaseFactory) -> None:
    folder = make_case()
    text = (folder / "case.toml").read_text()
    assert text.count("lesion = true\n") == 4
    (folder / "case.toml").write_text(text.replace("lesion = true\n", ""))
    loaded = load_case(folder)
    assert all(lesion_size(loaded, i) is None for i in range(len(loaded.case.steps)))
    assert chart_payload(loaded) is None
