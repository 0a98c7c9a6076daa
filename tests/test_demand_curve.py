"""The demand curve's honest intervals and checks (issue 28), on synthetic worlds with known answers: block length,
stationary bootstrap and error model; HAR and IV slopes; the kink's coverage under AR(1) errors (a fast version here,
200 draws behind --long); a world without a kink not located; out-of-sample choices made on the training weeks only;
degenerate exponential fits; the kink in dollars and when a path crosses it; the elasticity in the NY Fed's units."""
import numpy as np
import pandas as pd
import pytest

from liquidity.models import demand_curve as dcv
from liquidity.models import scarcity
from liquidity.models.estimation import (SerialErrors, har_slope, iv_slope, ols_slope, optimal_block_length,
                                         serial_errors, stationary_bootstrap_indices)

TRUE_KINK, TRUE_SLOPE, PHI = 11.0, -3.0, 0.88


def _ar1(n, phi, rng, sd=1.0):
    """A stationary AR(1) series with marginal standard deviation sd."""
    w = rng.normal(0.0, sd * np.sqrt(1 - phi ** 2), n)
    e = np.empty(n)
    e[0] = rng.normal(0.0, sd)
    for t in range(1, n):
        e[t] = phi * e[t - 1] + w[t]
    return e


def ar1_kink_world(rng, n=600, kink=True, slope=TRUE_SLOPE):
    """Weekly reserves/GDP on a slow cycle with persistent noise (it spends a stretch below the kink), two regime
    intercepts, AR(1) errors with coefficient 0.88 (the residuals' of the EFFR - IORB fit) and sd 2bp. Without a kink
    the spread is flat in reserves."""
    t = np.arange(n)
    x = 12.0 + 3.5 * np.cos(2 * np.pi * t / n * 1.3) + _ar1(n, 0.97, rng, sd=0.15 / np.sqrt(1 - 0.97 ** 2))
    regime = np.where(t < n // 2, -20.0, -10.0)
    level = np.where(regime == -20.0, -8.0, -5.0)
    shape = slope * np.minimum(x - TRUE_KINK, 0.0) if kink else 0.0
    return x, level + shape + _ar1(n, PHI, rng, sd=2.0), regime


def kink_coverage(draws, seed):
    rng = np.random.default_rng(seed)
    covered = located = 0
    for _ in range(draws):
        x, y, regime = ar1_kink_world(rng)
        k = dcv.bootstrap_kink(x, y, regime, reps=200, seed=int(rng.integers(1 << 31)))
        covered += k.ci_low <= TRUE_KINK <= k.ci_high
        located += k.located
    return covered / draws, located / draws


# -- bootstrap pieces ------------------------------------------------------------------------------------
def test_politis_white_block_length_follows_the_persistence():
    rng = np.random.default_rng(0)
    n = 2000
    white = optimal_block_length(rng.normal(size=n))
    assert white.stationary < 3
    for phi in (0.6, 0.9):
        b = np.median([optimal_block_length(_ar1(n, phi, rng)).stationary for _ in range(15)])
        # theory for AR(1): b_SB = (G / g)^(2/3) n^(1/3), G / g = 2 phi / (1 - phi^2)
        theory = (2 * phi / (1 - phi ** 2)) ** (2 / 3) * n ** (1 / 3)
        assert b == pytest.approx(theory, rel=0.35)
    b = optimal_block_length(_ar1(n, 0.6, rng))
    assert b.circular / b.stationary == pytest.approx(1.5 ** (1 / 3))   # D_CB = (4/3) g^2 against D_SB = 2 g^2


def test_stationary_bootstrap_blocks_have_the_mean_length_asked():
    idx = stationary_bootstrap_indices(500, 10.0, 200, np.random.default_rng(1))
    assert idx.shape == (200, 500) and idx.min() >= 0 and idx.max() < 500
    continues = (np.diff(idx, axis=1) % 500) == 1
    assert 1 / (1 - continues.mean()) == pytest.approx(10.0, rel=0.05)


def test_serial_errors_recover_the_autoregression_and_draw_series_like_it():
    rng = np.random.default_rng(2)
    e = _ar1(3000, 0.8, rng)
    model = serial_errors(e)
    assert model.ar[0] == pytest.approx(0.8, abs=0.05) and model.persistence == pytest.approx(0.8, abs=0.05)
    draws = model.draw(50, rng)
    assert draws.shape == (3000, 50)
    rho = np.mean([np.corrcoef(d[1:], d[:-1])[0, 1] for d in draws.T])
    assert rho == pytest.approx(0.8, abs=0.03) and draws.std() == pytest.approx(e.std(), rel=0.1)
    refits = model.refit_many(draws[:, :5])
    assert all(isinstance(m, SerialErrors) and len(m.ar) == len(model.ar) for m in refits)


def test_har_intervals_hold_where_heteroskedasticity_robust_ones_do_not():
    rng = np.random.default_rng(3)
    har = hc1 = 0
    for _ in range(300):
        x = pd.Series(_ar1(52, 0.9, rng))
        y = 2.0 * x + _ar1(52, 0.9, rng)
        h, o = har_slope(x, y), ols_slope(x, y)
        har += h.low <= 2.0 <= h.high
        hc1 += o.low <= 2.0 <= o.high
    assert har / 300 >= 0.80 and hc1 / 300 <= 0.65           # nominal 95%: EWC about 84%, HC1 about 49%


def test_iv_slope_undoes_the_feedback_that_biases_least_squares():
    rng = np.random.default_rng(4)
    n = 400
    z = rng.normal(size=n)                                  # the Treasury's cash moves
    u = rng.normal(size=n)                                  # spread shocks
    x = z - 0.8 * u + 0.3 * rng.normal(size=n)              # the Fed adds reserves when the spread jumps
    y = -2.0 * x + u
    iv = iv_slope(y, x, z)
    assert iv.low <= -2.0 <= iv.high and iv.first_stage_f > 100
    assert ols_slope(pd.Series(x), pd.Series(y)).high < -2.2          # least squares is biased away from -2
    weak = iv_slope(y, x, rng.normal(size=n))
    assert weak.first_stage_f < 10


# -- the kink ----------------------------------------------------------------------------------------------
def test_vectorised_kink_fit_matches_the_loop_over_the_grid():
    rng = np.random.default_rng(5)
    x, y, regime = ar1_kink_world(rng, n=300)
    grid = dcv.kink_grid(x)
    best = None
    for k in grid:
        X = np.column_stack([(regime[:, None] == np.unique(regime)[None, :]).astype(float), np.minimum(x - k, 0)])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        sse = float(((y - X @ coef) ** 2).sum())
        if best is None or sse < best[0]:
            best = (sse, k, coef)
    fit = dcv.fit_kink(x, y, regime, grid=grid)
    assert fit.kink == best[1] and fit.slope == pytest.approx(best[2][-1]) and fit.sse == pytest.approx(best[0])
    assert fit.intercepts[-20.0] == pytest.approx(best[2][0]) and fit.intercepts[-10.0] == pytest.approx(best[2][1])


def test_kink_interval_covers_the_true_kink_under_ar1_errors_fast():
    coverage, located = kink_coverage(draws=30, seed=28)
    assert 0.77 <= coverage <= 0.99 and located >= 0.7       # nominal 90%; a 13-week block bootstrap gives ~75%


@pytest.mark.long
def test_kink_interval_covers_the_true_kink_under_ar1_errors_200_draws():
    coverage, located = kink_coverage(draws=200, seed=2028)
    assert abs(coverage - 0.90) <= 0.05 and located >= 0.8


def test_a_world_without_a_kink_is_not_located():
    rng = np.random.default_rng(6)
    for _ in range(5):
        x, y, regime = ar1_kink_world(rng, kink=False)
        k = dcv.bootstrap_kink(x, y, regime, reps=200, seed=int(rng.integers(1 << 31)))
        assert not k.located, (k.kink, k.ci_low, k.ci_high, k.slope)
    x, y, regime = ar1_kink_world(rng)
    y = y - 3.0 * x                                           # a slope everywhere: the kink runs to the grid's top
    k = dcv.bootstrap_kink(x, y, regime, reps=200, seed=1)
    assert not k.located and k.why_not_located in ("edge", "wide", "whole")


def test_located_needs_an_interval_inside_the_grid_narrower_than_declared_and_a_negative_slope():
    base = dict(intercepts={0.0: 0.0}, sse=1.0, n=100, grid_low=7.0, grid_high=17.0)
    assert dcv.Kink(kink=11.0, slope=-2.0, ci_low=10.5, ci_high=12.0, **base).located
    assert dcv.Kink(kink=11.0, slope=-2.0, ci_low=9.0, ci_high=12.0, **base).why_not_located == "wide"
    assert dcv.Kink(kink=11.0, slope=-2.0, ci_low=7.0, ci_high=8.5, **base).why_not_located == "edge"
    assert dcv.Kink(kink=11.0, slope=0.5, ci_low=10.5, ci_high=12.0, **base).why_not_located == "degenerate"
    assert dcv.Kink(kink=11.0, slope=-2.0, ci_low=7.0, ci_high=17.0, **base).why_not_located == "whole"
    assert dcv.KINK_MAX_WIDTH_PP == 2.5


# -- the exponential curve -----------------------------------------------------------------------------------
def test_a_wall_fitted_by_the_exponential_is_flagged_degenerate():
    rng = np.random.default_rng(7)
    x = rng.uniform(7.0, 17.0, 300)
    y = np.where(x < 7.5, 25.0, 0.0) + rng.normal(0, 1.0, 300)      # flat, then a wall at the lowest reserves
    curve = dcv.fit_curve(x, y)
    assert curve.degenerate and curve.degenerate_reason == "height absurd" and curve.b > dcv.CURVE_MAX_HEIGHT_BP
    smooth = dcv.fit_curve(x, 80.0 * np.exp(-0.35 * x) + rng.normal(0, 1.0, 300))
    assert not smooth.degenerate
    line = dcv.fit_curve(x, -2.0 * x + rng.normal(0, 0.5, 300))   # a straight line drives the decay to its bound
    assert line.degenerate


# -- out of sample ---------------------------------------------------------------------------------------------
def _oos_panel(seed=8):
    """Weekly panel: -25 for 200 weeks, a thin -15 spell (20 weeks), -10 for 150 weeks, then from the split -15
    again for 60 weeks: on the full sample -15 has 80 weeks and its own intercept; on the training weeks it has 20."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2016-01-06", periods=430, freq="W-WED")
    gap = np.r_[np.full(200, -25.0), np.full(20, -15.0), np.full(150, -10.0), np.full(60, -15.0)]
    ratio = np.r_[np.linspace(16, 9, 220), np.linspace(9, 14, 150), np.linspace(14, 10, 60)]
    spread = np.where(gap == -25.0, -10.0, -6.0) - 3.0 * np.minimum(ratio - 11.0, 0) + rng.normal(0, 0.5, 430)
    return pd.DataFrame({"spread": spread, "ratio": ratio, "regime_gap": gap}, index=idx), idx[370]


def test_out_of_sample_choices_are_made_on_the_training_weeks_only():
    panel, split = _oos_panel()
    full = dcv.regime_mapping(panel["regime_gap"], 52)
    assert full[-15.0] == -15.0                                          # the full sample would keep it
    oos = dcv.out_of_sample(panel, split, 52)
    assert oos.choices.mapping == {-25.0: -25.0, -15.0: -25.0, -10.0: -10.0}   # training: pooled with the one before
    assert (oos.predictions["regime"] == -25.0).all() and oos.weeks == 60
    changed = panel.copy()
    after = changed.index >= split
    changed.loc[after, "spread"] = changed.loc[after, "spread"] + 50.0 * np.sin(np.arange(after.sum()))
    changed.loc[after, "ratio"] = 5.0
    changed.loc[after, "regime_gap"] = -5.0                              # even a configuration never seen before
    other = dcv.out_of_sample(changed, split, 52)
    assert other.choices == oos.choices
    assert (other.curve.b, other.curve.c, other.curve.intercepts) == (oos.curve.b, oos.curve.c, oos.curve.intercepts)
    assert (other.kink.kink, other.kink.slope, other.kink.intercepts) == (oos.kink.kink, oos.kink.slope,
                                                                         oos.kink.intercepts)
    assert other.unseen_gaps == [-5.0] and (other.predictions["regime"] == oos.choices.fallback_regime).all()
    assert set(oos.mae) == {"curve", "kink", "naive"}
    assert oos.mae["naive"] == pytest.approx((panel.loc[split:, "spread"] - panel["spread"].iloc[369]).abs().mean())


def test_regime_eras_name_the_spells_that_share_an_intercept():
    panel, _ = _oos_panel()
    panel["regime"] = dcv.pool_regimes(panel["regime_gap"], 52)
    eras = dcv.regime_eras(panel)
    assert eras["gap"].tolist() == [-25.0, -15.0, -10.0, -15.0] and eras["weeks"].tolist() == [200, 20, 150, 60]
    assert eras["regime"].tolist() == [-25.0, -15.0, -10.0, -15.0]       # 80 weeks of -15: its own intercept
    assert eras.loc[1, "shares_with"] == [3] and eras.loc[3, "shares_with"] == [1] and eras.loc[2, "shares_with"] == []
    assert not eras["pooled"].any()
    thin = panel.iloc[:370].copy()
    thin["regime"] = dcv.pool_regimes(thin["regime_gap"], 52)
    eras = dcv.regime_eras(thin)
    assert eras.loc[1, "pooled"] and eras.loc[1, "regime"] == -25.0 and eras.loc[1, "shares_with"] == [0]


# -- in a reader's units -----------------------------------------------------------------------------------------
def test_kink_in_dollars_is_the_share_times_gdp():
    kink = dcv.Kink(kink=11.5, slope=-2.0, intercepts={0.0: 0.0}, sse=1.0, n=10, ci_low=10.8, ci_high=12.6,
                    grid_low=7.0, grid_high=17.0)
    d = scarcity.kink_in_dollars(kink, gdp_bn=30000.0, reserves_bn=2900.0)
    assert d.kink_bn == pytest.approx(3450.0)
    assert d.low_bn == pytest.approx(3240.0) and d.high_bn == pytest.approx(3780.0)
    assert d.distance_bn == pytest.approx(-550.0) and d.position == "below" and d.located


def test_crossing_dates_of_a_path_with_its_band():
    dates = pd.date_range("2026-01-07", periods=30, freq="W-WED")
    central = np.linspace(3300.0, 3010.0, 30)                          # -10bn a week
    path = pd.DataFrame({"reserves": central, "low": central - 50.0, "high": central + 50.0}, index=dates)
    c = scarcity.crossing(path, 3150.0, kink_low_bn=3100.0, kink_high_bn=3200.0)
    assert c.status == "crosses" and c.date == dates[16]              # 3140 < 3150
    assert c.earliest == dates[6] and c.latest == dates[26]           # 3240 - 50 < 3200; 3040 + 50 < 3100
    assert scarcity.crossing(path, 3400.0).status == "already_below"
    never = scarcity.crossing(path, 2900.0, 2850.0, 2950.0)
    assert never.status == "not_within" and never.date is None and never.latest is None and never.earliest is None
    assert scarcity.crossing(path[["reserves"]], 3150.0).earliest == dates[16]    # no band: the central path
    engine_names = path.rename(columns={"low": "reserves_low", "high": "reserves_high"})
    assert scarcity.crossing(engine_names, 3150.0, 3100.0, 3200.0) == c


def test_elasticity_in_the_ny_fed_units_and_instrumented_by_the_tga():
    rng = np.random.default_rng(9)
    n = 160
    idx = pd.date_range("2018-01-03", periods=n, freq="W-WED")
    gdp = 20000.0
    tga = pd.Series(400.0 + np.cumsum(rng.normal(0, 30.0, n)), index=idx)
    shock = rng.normal(0, 1.0, n)
    reserves = 2000.0 - (tga - 400.0) + np.cumsum(20.0 * shock)       # the Fed leans against the spread's shocks
    ratio = reserves / gdp * 100
    spread = -4.0 * ratio + np.cumsum(shock)                          # slope -4bp per pp of GDP
    panel = pd.DataFrame({"spread": spread, "reserves": reserves, "ratio": ratio, "regime": 0.0}, index=idx)
    rde = scarcity.reserve_demand_elasticity(panel, tga, weeks=104)
    last = rde.iloc[-1]
    assert last["low"] <= -4.0 <= last["high"] and not last["weak"]
    assert last["rde"] == pytest.approx(last["slope"] * last["ratio"] / 100)
    assert scarcity.per_percent_of_reserves(-4.0, 10.0) == pytest.approx(-0.4)
