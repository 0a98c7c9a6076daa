"""One engine for every projection (issue 27): the notes that project reserves record the engine's baseline path,
and the same as-of date gives the same path in every one of them; a note's own scenario goes through the same engine,
so two notes with the same scenario give the same numbers."""
import pandas as pd
import pytest

from liquidity.models import engine

NOTES = ("tga_drain", "stealth_qe", "qt_path", "repo_stress")
KEYS = {"date", "reserves_bn", "reserves_low_bn", "reserves_high_bn", "tga_bn", "rrp_bn", "assets_bn"}


def _sidecars(published):
    for task in published.notes("en"):
        if task["notebook"] in NOTES:
            yield task["notebook"], task["paramset"], published.results(task["notebook"], task["paramset"])


@pytest.mark.notebook
def test_the_same_as_of_date_gives_the_same_baseline_in_every_note(published):
    by_as_of: dict[str, list] = {}
    for notebook, paramset, d in _sidecars(published):
        path = d["baseline_path"]
        assert len(path) == engine.BASELINE_WEEKS and all(set(row) == KEYS for row in path), (notebook, paramset)
        dates = pd.DatetimeIndex([row["date"] for row in path])
        assert (dates.day_of_week == 2).all() and (dates.to_series().diff().dropna() == pd.Timedelta(weeks=1)).all()
        for row in path:                      # a band around each week, from the engine's past errors
            assert row["reserves_low_bn"] < row["reserves_high_bn"], (notebook, paramset, row["date"])
        by_as_of.setdefault(d["as_of"], []).append((notebook, paramset, path))
    shared = {a: items for a, items in by_as_of.items() if len({n for n, _, _ in items}) > 1}
    # 17 Nov 2025 and the latest data are shared by all four notes
    assert {n for n, _, _ in shared["2025-11-17"]} == set(NOTES) and {n for n, _, _ in shared["latest"]} == set(NOTES)
    for as_of, items in shared.items():
        first = items[0][2]
        for notebook, paramset, path in items[1:]:
            assert path == first, (as_of, items[0][:2], (notebook, paramset))


@pytest.mark.notebook
def test_the_same_scenario_gives_the_same_path_in_two_notes(published):
    """The TGA to the Treasury's $850bn by the next quarter end, assets as known, the engine's ON RRP and currency:
    tga_drain and stealth_qe (default sets) ask the engine the same question and record the same path."""
    tga = published.results("tga_drain", "default")
    sqe = published.results("stealth_qe", "default")
    assert tga["scenario_path"] == sqe["scenario_path"]
    assert tga["projected_reserves_end_bn"] == pytest.approx(sqe["projected_reserves_end_bn"])
    assert tga["projection_end_date"] == sqe["projection_end_date"]


@pytest.mark.notebook
def test_a_notes_scenario_differs_from_the_baseline_only_where_its_assumptions_do(published):
    nov = published.results("tga_drain", "as_of_2025_11_17")
    scen = {r["date"]: r for r in nov["scenario_path"]}
    base = {r["date"]: r for r in nov["baseline_path"]}
    assert scen["2025-12-31"]["tga_bn"] == pytest.approx(850.0)             # the note's own TGA path
    for day in scen:                                                         # the same decisions: the same assets
        assert scen[day]["assets_bn"] == pytest.approx(base[day]["assets_bn"])
    # the gap: tga_drain no longer holds Fed assets flat while the decisions it lists change them
    qt = published.results("qt_path", "as_of_2025_11_17")
    qt_base = {r["date"]: r for r in qt["baseline_path"]}
    assert qt_base["2025-12-31"]["assets_bn"] == pytest.approx(base["2025-12-31"]["assets_bn"])
