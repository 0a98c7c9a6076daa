"""The balance-sheet engine (issue 27): the TGA leg from the Treasury's statements, the ON RRP leg, the identity, the
out-of-sample band and its cache; small frames with known answers, then the mirror."""
import numpy as np
import pandas as pd
import pytest

from liquidity.core.errors import InputError
from liquidity.models import engine
from liquidity.models import balance_sheet as bsh


# -- the TGA leg on small frames -------------------------------------------------------------------------------------
@pytest.mark.parametrize("day,anchor,key", [
    ("2025-12-31", "2025-12-31", (1, 0)),     # a Wednesday quarter end is its own anchor week, week 0 of Q1
    ("2026-01-07", "2026-01-07", (1, 1)),
    ("2026-03-31", "2026-04-01", (2, 0)),     # Tuesday: the week ending Wednesday 1 April holds it
    ("2026-03-25", "2026-03-25", (1, 12)),
    ("2025-06-30", "2025-07-02", (3, 0)),
])
def test_anchor_weeks_and_the_week_of_the_quarter(day, anchor, key):
    assert engine.anchor_week(day) == pd.Timestamp(anchor)
    assert engine.shape_key(pd.Timestamp(anchor)) == key


def test_vectorised_segments_agree_with_shape_key():
    weeks = pd.date_range("2016-01-06", "2026-12-30", freq="W-WED")
    a1, a2, quarter, week = engine._segments(weeks)
    assert list(zip(quarter.tolist(), week.tolist())) == [engine.shape_key(w) for w in weeks]
    assert ((a1 <= weeks) & (weeks < a2)).all()


def _seasonal_tga(bump: float = 120.0, years: int = 9) -> pd.Series:
    """A TGA that is a straight line between quarter-end anchor weeks (alternating 700 and 800) plus `bump` in the
    third week of every second quarter (the April tax date): the shape must find exactly that."""
    weeks = pd.date_range("2015-12-30", periods=52 * years, freq="W-WED")
    a1, a2, quarter, week = engine._segments(weeks)
    level = {q: 700.0 + 100.0 * (i % 2) for i, q in enumerate(sorted(set(a1) | set(a2)))}
    x = (weeks - a1).days.to_numpy() / (a2 - a1).days.to_numpy()
    line = np.array([level[a] for a in a1]) + x * (np.array([level[b] for b in a2]) - np.array([level[a] for a in a1]))
    return pd.Series(line + np.where((quarter == 2) & (week == 3), bump, 0.0), index=weeks)


def test_the_intra_quarter_shape_recovers_a_known_tax_bump():
    tga = _seasonal_tga()
    t0 = tga.index[-10]
    shape = engine.estimate_shape(tga, t0, engine.DebtLimit((), None), pd.Series(dtype=float), years=8)
    assert shape.deviations[(2, 3)] == pytest.approx(120.0)
    assert max(abs(v) for k, v in shape.deviations.items() if k != (2, 3)) < 1e-9
    assert shape.quarters >= 30


def test_quarters_touched_by_a_binding_debt_limit_stay_out_of_the_shape():
    tga = _seasonal_tga()
    t0 = tga.index[-10]
    plain = engine.estimate_shape(tga, t0, engine.DebtLimit((), None), pd.Series(dtype=float))
    windows = ((pd.Timestamp("2019-03-02"), pd.Timestamp("2019-08-02")),)
    debt = engine.DebtLimit(windows, None)
    left = engine.estimate_shape(tga, t0, debt, pd.Series(dtype=float), after_weeks=13)
    assert left.quarters < plain.quarters           # 2019Q1-Q4 (the limit and the quarter after it) are left out


def test_stated_knots_take_the_latest_statement_for_each_date_and_the_gap_on_quarter_ends():
    assumed = pd.DataFrame({"announced": pd.to_datetime(["2023-05-01", "2023-05-01", "2023-06-07", "2023-06-07"]),
                            "quarter_end": pd.to_datetime(["2023-06-30", "2023-09-30", "2023-06-30", "2023-09-30"]),
                            "assumed_cash_bn": [550.0, 600.0, 425.0, 600.0]})
    interim = pd.DataFrame({"announced": pd.to_datetime(["2023-06-07"]), "target_date": pd.to_datetime(["2023-07-31"]),
                            "assumed_cash_bn": [500.0]})
    knots = engine.stated_knots(assumed, interim, "2023-06-07", gap_bn=-20.0)
    assert [(k.date, k.stated_bn, k.level) for k in knots] == [
        (pd.Timestamp("2023-07-05"), 425.0, 405.0), (pd.Timestamp("2023-08-02"), 500.0, 500.0),
        (pd.Timestamp("2023-10-04"), 600.0, 580.0)]
    # only what was announced by an earlier origin
    early = engine.stated_knots(assumed[assumed["announced"] <= "2023-06-06"], None, "2023-06-06", 0.0)
    assert [k.stated_bn for k in early] == [550.0, 600.0]
    assert engine.stated_knots(assumed, None, "2023-10-04", 0.0) == []     # every anchor week is past


def test_the_stated_path_goes_through_the_knots_plus_the_shape_and_is_flat_while_a_debt_limit_binds():
    shape = engine.TgaShape({(3, 2): 50.0}, 10, -20.0, 10)
    t0 = pd.Timestamp("2023-06-07")
    weeks = engine.wednesdays(t0, t0 + pd.Timedelta(weeks=20))
    knots = [engine.Knot(pd.Timestamp("2023-07-05"), 405.0, 425.0, pd.Timestamp("2023-06-30"), t0)]
    path = engine.stated_tga_path(100.0, t0, weeks, knots, shape, binding=False)
    assert path["2023-07-05"] == pytest.approx(405.0)
    assert path["2023-07-19"] == pytest.approx(405.0 + 50.0)             # week 2 of Q3 carries the shape
    assert path["2023-08-30"] == pytest.approx(405.0)                    # flat after the last knot
    flat = engine.stated_tga_path(100.0, t0, weeks, knots, shape, binding=True)
    assert flat["2023-07-05"] == pytest.approx(100.0) and flat["2023-07-19"] == pytest.approx(150.0)
    literal = engine.target_tga_path(100.0, t0, weeks, knots)             # the statement itself, on its own date
    assert literal["2023-07-05"] == pytest.approx(425.0) and literal["2023-06-14"] < 425.0


# -- the ON RRP leg ---------------------------------------------------------------------------------------------------
def _rrp_world(phi: float = 0.6, weeks: int = 300, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2019-01-02", periods=weeks, freq="W-WED")
    tga = 700 + np.cumsum(rng.normal(0, 30, weeks))
    rrp = 1500 - phi * (tga - tga[0])
    return pd.DataFrame({"tga": tga, "rrp": rrp}, index=idx)


def test_the_rrp_fit_recovers_the_offset_and_the_path_absorbs_it_down_to_zero():
    world = _rrp_world()
    spreads = pd.DataFrame({"repo": np.nan, "bill": np.nan}, index=world.index)
    fit = engine.fit_rrp(world, spreads, 260, 50.0, trend_rule="none")
    assert fit.phi == pytest.approx(0.6, abs=1e-9) and fit.kappa_repo == 0.0 and fit.spreads == ()
    d_tga = pd.Series([100.0, 100.0, 100.0], index=pd.date_range("2025-01-01", periods=3, freq="W-WED"))
    path = engine.rrp_path(fit, 130.0, {}, d_tga)
    assert list(path.round(6)) == [70.0, 10.0, 10.0]                    # at or under 50bn it absorbs nothing more
    rising = engine.rrp_path(fit, 80.0, {}, -d_tga)
    assert rising.iloc[-1] == pytest.approx(80.0 + 3 * 60.0)
    drained = engine.rrp_path(engine.RrpFit(0.0, 0.01, 0.0, 0, ("repo",), 50.0), 100.0, {"repo": 20.0}, d_tga)
    assert drained.iloc[0] == pytest.approx(80.0)                        # 20bp above: 20% a week toward the floor
    assert (engine.rrp_path(engine.RrpFit(1.0, 0.0, 0.0, 0, (), 0.0), 50.0, {}, d_tga) >= 0).all()


def test_a_notes_offset_rule_keeps_its_floor():
    d = pd.Series([-50.0, 100.0, 100.0], index=pd.date_range("2025-01-01", periods=3, freq="W-WED"))
    assert list(engine.offset_rrp_path(0.5, 20.0, 100.0, d)) == [125.0, 75.0, 25.0]
    assert list(engine.offset_rrp_path(0.5, 20.0, 10.0, d)) == [35.0, 10.0, 10.0]   # below its floor: no drain


def test_scenario_inputs_are_checked():
    with pytest.raises(InputError, match="rrp_offset_share"):
        engine.Scenario(rrp_offset=2.0)
    with pytest.raises(InputError, match="rrp_floor_bn"):
        engine.Scenario(rrp_floor_bn=-1.0)
    with pytest.raises(InputError, match="assets"):
        engine.Scenario(assets="flat")
    assert engine.BASELINE.is_baseline and not engine.Scenario(rrp_offset=0.5).is_baseline


# -- the band ---------------------------------------------------------------------------------------------------------
def _history(errors_by_origin: dict, horizons=range(1, 14)) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, truth = [], {}
    for origin, err in errors_by_origin.items():
        base = origin - pd.Timedelta(days=7)
        for h in horizons:
            day = base + pd.Timedelta(weeks=h)
            truth[day] = 1000.0
            rows.append((origin, base, h, day, "reserves", 1000.0 + err))
    hist = pd.DataFrame(rows, columns=engine.HISTORY_COLUMNS)
    return hist, pd.DataFrame({"reserves": pd.Series(truth)}).sort_index()


def test_the_band_uses_only_errors_whose_outcome_was_known_at_the_base_week():
    origins = pd.date_range("2020-01-08", periods=60, freq="28D")
    early = {o: float(e) for o, e in zip(origins[:40], np.linspace(-10, 10, 40))}
    late = {o: 1e6 for o in origins[40:]}                                 # errors nobody could know yet
    hist, truth = _history(early | late)
    t0 = origins[40] - pd.Timedelta(days=7)
    known = engine.errors_known_at(hist, truth, t0, "reserves")
    assert (known["target_date"] <= t0).all() and known["error"].abs().max() <= 10
    q = engine.band_quantiles(known, [1, 4, 13], 0.9, 12)
    assert q.loc[4, "err_high"] <= 10 and q.loc[4, "err_low"] >= -10
    # the widening rule: a band never narrows further out
    assert (q["err_high"].diff().dropna() >= 0).all() and (q["err_low"].diff().dropna() <= 0).all()


def test_too_few_errors_far_out_are_widened_from_a_shorter_horizon():
    origins = pd.date_range("2020-01-08", periods=30, freq="28D")
    hist, truth = _history({o: float(e) for o, e in zip(origins, np.linspace(-20, 20, 30))}, horizons=range(1, 5))
    errors = engine.errors_known_at(hist, truth, origins[-1] + pd.Timedelta(weeks=10), "reserves")
    q = engine.band_quantiles(errors, [2, 8], 0.9, 12)
    assert q.loc[8, "scaled_from"] == 2
    assert q.loc[8, "err_high"] == pytest.approx(q.loc[2, "err_high"] * 2.0)


# -- on the mirror ----------------------------------------------------------------------------------------------------
def test_the_identity_closes_exactly_on_every_projected_week(ds):
    proj = engine.project(ds.at("2025-11-17"), weeks=26, band=False)
    f = proj.frame
    gap = f["reserves"] - (f["assets"] - f["tga"] - f["rrp"] - f["currency"] - f["other"])
    assert gap.abs().max() < 1e-6
    assert proj.start == pd.Timestamp("2025-11-12") and len(f) == 26
    assert proj.notes["currency_not_observed"]["last"] == pd.Timestamp("2025-06-04")   # WCURCIR ends in June 2025


def test_with_the_realized_legs_the_identity_reproduces_reserves_within_the_measured_residual(ds):
    """Feed the engine's identity the realized TGA, ON RRP, currency and assets after a base week, with the rest
    ("other") held at its base-week level: the miss on reserves is exactly the change in the measured residual."""
    levels = bsh.weekly_levels(ds)
    levels = levels[(levels.index >= "2023-01-04") & (levels.index <= "2025-05-28")]
    base = levels.iloc[0]
    other0 = base["fed_assets"] - base["tga"] - base["rrp"] - base["currency"] - base["reserves"]
    rebuilt = levels["fed_assets"] - levels["tga"] - levels["rrp"] - levels["currency"] - other0
    contrib = bsh.decompose(levels, levels.index[0], levels.index[-1])
    residual = -contrib["other"].cumsum()                                 # measured change in other
    miss = (rebuilt - levels["reserves"]).iloc[1:]
    assert (miss - residual).abs().max() < 1e-6
    assert miss.abs().max() == pytest.approx(residual.abs().max())


def test_an_origin_uses_only_the_treasury_statements_announced_by_then(ds):
    before = engine.project(ds.at("2023-06-06"), weeks=8, band=False)
    after = engine.project(ds.at("2023-06-07"), weeks=8, band=False)
    first = {p.legs["tga"]["knots"][0].stated_for: p.legs["tga"]["knots"][0].stated_bn for p in (before, after)}
    assert before.legs["tga"]["knots"][0].stated_bn == 550.0             # 1 May 2023: $550bn at end-June
    assert after.legs["tga"]["knots"][0].stated_bn == 425.0              # the revision of 7 June 2023
    assert list(first) == [pd.Timestamp("2023-06-30")]
    assert before.legs["tga"]["rule"] == "stated"                        # the debt limit was suspended on 3 June
    binding = engine.project(ds.at("2023-05-10"), weeks=8, band=False)
    assert binding.legs["tga"]["rule"] == "debt_limit"
    assert binding.frame["tga"].iloc[0] != pytest.approx(550.0)


def test_the_baseline_is_the_same_path_for_the_same_as_of_date(ds):
    a = engine.project(ds.at("2025-11-17"), weeks=10, band=False)
    b = engine.project(ds.at("2025-11-17"), weeks=10, band=False)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.records()[0].keys() == {"date", "reserves_bn", "reserves_low_bn", "reserves_high_bn", "tga_bn", "rrp_bn",
                                     "assets_bn"}


def test_the_error_history_is_computed_once_per_data_snapshot_and_read_back(ds, monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "history_folder", lambda: tmp_path / "engine")
    origins = engine.history_origins("2025-12-31")[-6:]
    monkeypatch.setattr(engine, "history_origins", lambda end, settings=engine.SETTINGS: origins)
    calls = []
    real = engine.compute_history
    monkeypatch.setattr(engine, "compute_history", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = engine.error_history(ds)
    second = engine.error_history(ds)
    assert len(calls) == 1 and len(first) == len(second) == 6 * engine.SETTINGS.history_weeks * (len(engine.LEGS) + 1)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True), check_dtype=False)
    assert len(list((tmp_path / "engine").glob("history-*.csv.gz"))) == 1
    proj = engine.project(ds.at("2026-06-30"), weeks=8, history=first)
    band = proj.legs["band"]
    assert band["origins"] == 6 and band["last_origin"] < proj.start and band["no_band_weeks"] == 0
    assert (proj.frame["reserves_low"] < proj.frame["reserves_high"]).all()
