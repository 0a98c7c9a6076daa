"""Forecast scorecard (issue 19): benchmarks, the identity engine with perfect foresight, the Diebold-Mariano test on
simulated forecasts with known answers, the point-in-time cut of each origin, and the published note."""
import math
import re

import numpy as np
import pandas as pd
import pytest

from liquidity.core.errors import InputError
from liquidity.models import engine
from liquidity.models import scorecard as sc
from notes import plain, sentence


def _walk(n: int, seed: int, sd: float = 10.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("1990-01-03", periods=n, freq="W-WED")
    return pd.Series(1000 + np.cumsum(rng.normal(0, sd, n)), index=weeks)


def _bench_scores(y: pd.Series, drift_weeks: int, step: int = 4, horizons=(4, 8, 13)) -> pd.DataFrame:
    rows = []
    for i in range(drift_weeks + 60, len(y) - max(horizons), step):
        rows += sc.benchmarks(y.iloc[: i + 1], y.index[i] + pd.Timedelta(days=7), "reserves", horizons, drift_weeks)
    f = pd.DataFrame(rows).join(y.rename("actual"), on="target_date")
    f["error"] = f["forecast"] - f["actual"]
    return sc.score(f, step)


def test_on_a_random_walk_the_drift_benchmark_has_the_random_walks_error():
    """No drift to find: with a long window the drift forecast is the random walk (ratio about 1); with 13 weeks
    its estimation noise adds h/13 of the variance, so the ratio is sqrt(1 + h/13) (MAE of normal errors)."""
    y = _walk(12000, seed=7)
    long = _bench_scores(y, drift_weeks=520).set_index(["engine", "horizon"])
    for h in (4, 8, 13):
        assert long.loc[("drift", h), "mae_ratio_rw"] == pytest.approx(1.0, abs=0.04)
        assert long.loc[("rw", h), "mae_ratio_rw"] == 1.0
    short = _bench_scores(y, drift_weeks=13).set_index(["engine", "horizon"])
    for h in (4, 8, 13):
        assert short.loc[("drift", h), "mae_ratio_rw"] == pytest.approx(math.sqrt(1 + h / 13), rel=0.05)
    # the seasonal naive adds a whole year-ago change: sqrt(2) of the random walk's error
    assert short.loc[("seasonal", 8), "mae_ratio_rw"] == pytest.approx(math.sqrt(2), rel=0.05)


def _identity_world(weeks: int = 400, offset: float = 0.6, seed: int = 3):
    """Reserves driven exactly by the identity: ON RRP (ample) absorbs `offset` of every TGA change, currency grows
    1.5 a week, nothing else moves reserves."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2018-01-03", periods=weeks, freq="W-WED")
    tga = 700 + np.cumsum(rng.normal(0, 25, weeks))
    assets = 7000 + np.cumsum(rng.normal(-5, 10, weeks))
    rrp = 1500 - offset * (tga - tga[0])
    currency = 2000 + 1.5 * np.arange(weeks)
    reserves = assets - tga - rrp - currency
    return pd.DataFrame({"reserves": reserves, "fed_assets": assets, "tga": tga, "rrp": rrp, "currency": currency},
                        index=idx)


def test_with_the_realized_tga_and_assets_an_identity_world_is_forecast_without_error():
    world = _identity_world()
    settings = sc.Settings(offset_start="2018-01-01")
    origin = world.index[300]
    known = world.loc[:origin]
    weeks = world.index[301:301 + 13]
    flat_tga = pd.Series(float(known["tga"].iloc[-1]), index=weeks)
    path_a, path_b, offset = sc.identity_paths(known, flat_tga, pd.Series(0.0, index=weeks), world, settings)
    assert offset == pytest.approx(0.6, abs=1e-9)
    assert (path_b["reserves"] - world["reserves"].reindex(weeks)).abs().max() < 1e-6      # B: no error at all
    assert (path_a["reserves"] - world["reserves"].reindex(weeks)).abs().max() > 10        # A guessed the TGA flat
    assert (path_b["high"] - path_b["low"]).max() < 1e-6                                  # no residual, no band


@pytest.mark.parametrize("horizon", [4, 8, 13])
def test_dm_test_rejects_equal_forecasts_at_about_its_size(horizon):
    """Two forecasts with equally large, overlapping errors (origins 4 weeks apart): the 5% test rejects about 5% of
    the time (the overlap is what the HAC variance is for; 13 weeks runs a little high, as the caveat says)."""
    rng = np.random.default_rng(horizon)
    n, step, sims = 50, 4, 1500
    lags = sc.overlap_lags(horizon, step)
    starts = np.arange(n) * step
    rejected = 0
    for _ in range(sims):
        walks = np.cumsum(rng.standard_normal((2, n * step + horizon + 1)), axis=1)
        errors = walks[:, starts + horizon] - walks[:, starts]
        _, p = sc.dm_test(np.abs(errors[0]), np.abs(errors[1]), lags)
        rejected += p < 0.05
    assert 0.02 <= rejected / sims <= 0.10


def test_dm_test_finds_a_clearly_better_forecast():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 60), rng.normal(0, 2, 60)
    stat, p = sc.dm_test(np.abs(a), np.abs(b), 1)
    assert stat < 0 and p < 0.01
    assert sc.dm_test([1.0, 2.0], [1.0, 1.0], 0) == (None, None)          # too few pairs
    assert sc.dm_test([1.0] * 10, [1.0] * 10, 1) == (None, None)          # no variation


def test_verdicts_need_the_ratio_and_the_test_to_agree():
    assert sc.verdict(0.4, 0.001) == "better" and sc.verdict(1.4, 0.02) == "worse"
    assert sc.verdict(0.8, 0.30) == "no different" and sc.verdict(None, None) == "no different"


def test_origins_are_wednesdays_every_step_weeks_and_settings_are_checked():
    grid = sc.origin_grid("2022-06-01", "2022-08-31", 4)
    assert list(grid.strftime("%Y-%m-%d")) == ["2022-06-01", "2022-06-29", "2022-07-27", "2022-08-24"]
    assert sc.origin_grid("2022-06-02", "2022-06-30", 1)[0] == pd.Timestamp("2022-06-08")
    with pytest.raises(InputError, match="origin_step_weeks"):
        sc.origin_grid("2022-06-01", "2022-08-31", 0)
    with pytest.raises(InputError, match="horizons"):
        sc.Settings(horizons=(4, 0))


def test_sidecar_names_every_engine_target_horizon_and_metric():
    scores = pd.DataFrame([{"engine": "balance_sheet", "target": "reserves", "horizon": 8, "n": 40, "mae": 1.0,
                            "rmse": 2.0, "bias": -0.5, "mae_ratio_rw": 0.9, "dm_stat": -1.0, "dm_p": 0.3,
                            "coverage": 0.88}])
    assert sc.sidecar(scores) == {"balance_sheet_reserves_h8_mae": 1.0, "balance_sheet_reserves_h8_rmse": 2.0,
                                  "balance_sheet_reserves_h8_bias": -0.5, "balance_sheet_reserves_h8_mae_ratio_rw": 0.9,
                                  "balance_sheet_reserves_h8_dm_p": 0.3, "balance_sheet_reserves_h8_coverage": 0.88}


def test_the_reserves_miss_splits_into_legs_that_add_up():
    rows = []
    for origin, errs in ((pd.Timestamp("2024-01-03"), {"reserves": -30.0, "fed_assets": 10.0, "tga": 25.0, "rrp": 5.0}),
                         (pd.Timestamp("2024-01-31"), {"reserves": 12.0, "fed_assets": 2.0, "tga": -8.0, "rrp": -1.0})):
        for target, e in errs.items():
            rows.append({"origin": origin, "horizon": 4, "target_date": origin + pd.Timedelta(weeks=3),
                         "engine": "balance_sheet", "target": target, "error": e})
    contrib = sc.leg_contributions(pd.DataFrame(rows)).set_index("origin")
    first = contrib.loc["2024-01-03"]
    # reserves = assets - TGA - ON RRP - rest: a TGA forecast 25 too high is reserves 25 too low
    assert (first["fed_assets"], first["tga"], first["rrp"], first["rest"]) == (10.0, -25.0, -5.0, -10.0)
    assert (contrib[list(sc.LEG_PARTS)].sum(axis=1) - contrib["reserves"]).abs().max() < 1e-12
    lim = sc.limiting_legs(contrib.reset_index()).iloc[0]
    assert lim["order"][0] == "tga" and lim["tga"] == pytest.approx((25 + 8) / 2)


def test_the_scorecard_band_uses_only_errors_published_before_each_origin(ds, monkeypatch, tmp_path):
    """Each scored origin's band is built from history errors whose outcome week is at or before its base week."""
    monkeypatch.setattr(engine, "history_folder", lambda: tmp_path / "engine")
    grid = engine.history_origins("2026-05-01")[-30:]
    monkeypatch.setattr(engine, "history_origins", lambda end, settings=engine.SETTINGS: grid)
    seen = []
    real = engine.band_quantiles
    monkeypatch.setattr(engine, "band_quantiles",
                        lambda errors, *a, **k: seen.append(errors["target_date"].max()) or real(errors, *a, **k))
    origins = grid[-3:]
    forecasts, _ = sc.walk_forward(ds, origins, sc.Settings())
    bases = forecasts[forecasts["engine"] == "balance_sheet"].groupby("origin")["base"].first()
    assert len(seen) == 3 and all(latest <= base for latest, base in zip(seen, bases))
    band = forecasts[(forecasts["engine"] == "balance_sheet") & (forecasts["target"] == "reserves")]
    assert band[["low", "high"]].notna().all().all() and (band["low"] < band["high"]).all()


# -- on the mirror -----------------------------------------------------------------------------------------------------
def test_an_origin_sees_only_what_was_published_and_decided_by_then(ds):
    """Origin 12 Nov 2025: every input was published by that day (H.4.1 of 5 Nov, out on 6 Nov), and the QT engine
    knows the end of runoff (decided 29 Oct) but not the reserve management purchases (decided 10 Dec)."""
    from liquidity.models import balance_sheet as bsh
    from liquidity.models import qt

    origin = pd.Timestamp("2025-11-12")
    view = ds.at(origin)
    levels = bsh.weekly_levels(view)
    assert levels.index.max() == pd.Timestamp("2025-11-05")
    for sid in view.used_series():
        published = view.publication_dates(sid, view.series(sid).index)
        assert published.max() <= origin, sid
    spec = qt.spec_as_known(origin, 0.004)
    running = [b for b in spec.purchases if b.end is None or b.end >= pd.Period("2025-11", "M")]
    assert spec.qt_end == pd.Period("2025-12", "M") and running == []
    # the shared read: the view reuses what the latest dataset read, and cuts it
    assert view.series("WRESBAL").index.max() < ds.series("WRESBAL").index.max()

    truth = sc.outcomes(ds)
    proj = engine.run_origin(ds, origin, 13)
    fc = engine.forecasts_of(proj, origin)
    result = sc.run_origin(view, origin, truth, sc.Settings(), fc)
    rows = pd.DataFrame(result.rows)
    assert set(rows["engine"]) >= {"balance_sheet", "treasury_target", "previous_identity_a", "previous_identity_b",
                                   "rw", "drift", "seasonal"}
    assert set(rows[rows["engine"] == "balance_sheet"]["target"]) == set(sc.ENGINE_TARGETS)
    assert (rows["base"] <= pd.Timestamp("2025-11-05")).all()
    a8 = rows[(rows["engine"] == "previous_identity_a") & (rows["horizon"] == 8)].iloc[0]
    assert a8["target_date"] == pd.Timestamp("2025-12-31") and a8["low"] < a8["forecast"] < a8["high"]
    # the previous engine's TGA goes to the Treasury's $850bn end-2025 target announced on 3 Nov
    assert result.tga_rule.startswith("Treasury target 850 on 2025-12-31")
    # the literal Treasury target: $850bn on 31 Dec 2025 itself (a Wednesday), 8 weeks after the base week
    t8 = rows[(rows["engine"] == "treasury_target") & (rows["horizon"] == 8)].iloc[0]
    assert t8["forecast"] == pytest.approx(850.0)
    # the engine's reserves are its own identity: assets - TGA - ON RRP - currency - other
    e8 = {r.target: r.forecast for r in rows[(rows["engine"] == "balance_sheet") & (rows["horizon"] == 8)].itertuples()}
    f = proj.frame.loc["2025-12-31"]
    assert e8["reserves"] == pytest.approx(f["assets"] - f["tga"] - f["rrp"] - f["currency"] - f["other"])


@pytest.mark.notebook
def test_scorecard_sidecars_carry_every_key_and_the_findings_quote_them(published):
    d = published.results("scorecard", "default")
    assert d["horizons"] == [4, 8, 13] and d["origins"] >= 50 and d["first_origin"] == "2022-06-01"
    for h in (4, 8, 13):
        for name, targets in sc.ENGINES.items():
            for target in targets:
                for metric in sc.METRICS:
                    assert f"{name}_{target}_h{h}_{metric}" in d, (name, target, h, metric)
        for bench in ("rw", "drift"):
            for target in sc.TARGETS:
                assert d[f"{bench}_{target}_h{h}_mae"] is not None
        assert d[f"seasonal_reserves_h{h}_mae"] is not None
        # the ratio is the engine's MAE over the random walk's on the same origins
        ratio = d[f"balance_sheet_reserves_h{h}_mae"] / d[f"rw_reserves_h{h}_mae"]
        assert d[f"balance_sheet_reserves_h{h}_mae_ratio_rw"] == pytest.approx(ratio, rel=1e-4)
        assert d[f"balance_sheet_fed_assets_h{h}_coverage"] is None       # a band for reserves only
        assert 0 <= d[f"balance_sheet_reserves_h{h}_coverage"] <= 1
        assert d[f"treasury_target_tga_h{h}_mae_ratio_rw"] > 0 and d[f"balance_sheet_reserves_h{h}_dm_p"] is not None
        # the reserves miss split by leg: each leg's mean absolute contribution
        assert all(d[f"balance_sheet_reserves_h{h}_limit_{leg}_bn"] >= 0 for leg in sc.LEG_PARTS)
    assert d["band_level"] == 0.9 and d["significance"] == 0.05
    assert d["balance_sheet_fed_assets_h8_mae_ratio_rw"] < 1 and d["balance_sheet_fed_assets_h8_dm_p"] < 0.05
    assert d["origins_with_treasury_target"] + d["origins_debt_limit_binding"] <= d["origins"]

    findings = [plain(s) for s in published.findings("scorecard", "default")]
    claims = published.claims("scorecard", "default")
    first = sentence(findings, "mean absolute error of Balance-sheet engine on reserves")
    mae, rw = re.search(r"at \$(\d+)bn and the mean absolute error of Random walk on reserves at \$(\d+)bn",
                        first).groups()
    assert int(mae) == round(d["balance_sheet_reserves_h8_mae"]) and int(rw) == round(d["rw_reserves_h8_mae"])
    words = {"better": "better", "worse": "worse", "no different": "not distinguishable"}
    for h in (4, 8, 13):
        ratio, p, word = re.search(rf"(\d\.\d\d) at {h} weeks \(p ([<=] [\d.]+), ([a-z ]+)\)", first).groups()
        assert float(ratio) == pytest.approx(d[f"balance_sheet_reserves_h{h}_mae_ratio_rw"], abs=0.005)
        assert word == words[sc.verdict(d[f"balance_sheet_reserves_h{h}_mae_ratio_rw"],
                                        d[f"balance_sheet_reserves_h{h}_dm_p"])]
        test = claims[f"balance_sheet_reserves_h{h}_test"]            # the claim behind it, checked at publish
        assert (test["kind"], test["output"], test["p_output"]) == ("test", f"balance_sheet_reserves_h{h}_mae_ratio_rw",
                                                                     f"balance_sheet_reserves_h{h}_dm_p")
    assert "at the 5% significance level" in first
    cover = sentence(findings, "share of outcomes inside the band of nominal 90%")
    shares = [int(x) for x in re.findall(r"(\d+)% \d+ weeks ahead", cover)]
    assert shares == [round(100 * d[f"balance_sheet_reserves_h{h}_coverage"]) for h in (4, 8, 13)]
    limit = sentence(findings, "contribution of")
    order = sorted(sc.LEG_PARTS, key=lambda leg: d[f"balance_sheet_reserves_h8_limit_{leg}_bn"], reverse=True)
    names = {"fed_assets": "Fed assets", "tga": "TGA", "rrp": "ON RRP", "rest": "currency and other"}
    assert limit.index(names[order[0]]) < limit.index(names[order[1]])


@pytest.mark.notebook
def test_the_as_of_scorecard_uses_no_origin_or_outcome_after_its_date_and_the_notes_quote_it(published):
    d = published.results("scorecard", "as_of_2025_11_17")
    assert d["as_of"] == "2025-11-17" and d["last_origin"] <= "2025-11-17" and d["outcomes_end"] <= "2025-11-17"
    # the last origin is the last one whose 13-week outcome (H.4.1 of 12 Nov) was published by 17 Nov
    assert (d["origins"], d["last_origin"], d["outcomes_end"]) == (43, "2025-08-20", "2025-11-12")
    q = published.results("scorecard", "qt2_only")
    assert q["last_origin"] <= "2025-11-26" and q["origins"] < published.results("scorecard", "default")["origins"]
    # the scenario notes as of that day quote this set, never typed numbers
    for notebook, key in (("tga_drain", "balance_sheet_reserves"), ("stealth_qe", "balance_sheet_reserves"),
                          ("qt_path", "balance_sheet_fed_assets"), ("repo_stress", "curve_engine_spread")):
        note = published.results(notebook, "as_of_2025_11_17")
        h = note["scorecard_horizon"]
        assert note["scorecard_set"] == "as_of_2025_11_17" and h in d["horizons"], notebook
        assert note["scorecard_mae_ratio_rw"] == d[f"{key}_h{h}_mae_ratio_rw"], notebook
        assert note["scorecard_dm_p"] == d[f"{key}_h{h}_dm_p"], notebook
    latest = published.results("tga_drain", "default")
    assert latest["scorecard_set"] == "default"
    assert published.results("qt_path", "end_of_qt1_2019")["scorecard_set"] is None   # no scorecard as of 2019
