"""Estimation helpers shared by the analyses: OLS slopes with robust intervals, slopes whose intervals hold under
serial correlation (HAR), and the pieces of a bootstrap for serially correlated errors.

- `ols_slope`: heteroskedasticity-robust (HC1) slope, for changes that are close to independent week to week.
- `har_slope`, `iv_slope`: slopes of levels or of instrumented changes with heteroskedasticity- and
  autocorrelation-robust intervals: the equal-weighted cosine (EWC) long-run variance with B = ceil(0.4 T^(2/3))
  cosines and Student t critical values with B degrees of freedom, the recommendation of Lazarus, Lewis, Stock and
  Watson ("HAR inference: recommendations for practice", JBES 2018). Plain Newey-West intervals with the usual
  bandwidth over-reject badly when residuals are as persistent as weekly spreads are (AR(1) about 0.9).
- `optimal_block_length`: the Politis-White (2004) automatic block length with the Patton-Politis-White (2009)
  correction, for the stationary and the circular block bootstrap.
- `stationary_bootstrap_indices`: Politis-Romano (1994) resampling, geometric block lengths, for many draws at once.
- `SerialErrors`: a model of serially correlated regression errors for a residual bootstrap: an autoregression chosen
  by AIC whitens the residuals, its innovations are resampled by the stationary bootstrap (block length from the
  data, so that dependence the autoregression misses is kept) and coloured again through the autoregression
  ("post-blackening", Davison and Hinkley 1997, 8.2.3). A moving-block bootstrap of the raw residuals with a fixed
  13-week block, or even a block chosen by the Politis-White rule, under-covers badly with residuals this persistent
  (the simulation test of the kink shows it); the whitened scheme keeps the low-frequency variation that drives the
  uncertainty of a curve fitted on a few episodes of scarce reserves.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.signal import lfilter


@dataclass(frozen=True)
class Slope:
    estimate: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n": self.n}


def _centered_fit(x: pd.Series, y: pd.Series, min_n: int):
    """The least-squares slope of y on x (with an intercept) on the dates both have: (n, x, y, x centred, Sxx, slope),
    or an empty Slope when there are fewer than `min_n` pairs or x does not vary."""
    frame = pd.concat([x, y], axis=1, sort=True).dropna()
    n = len(frame)
    if n < min_n:
        return Slope(np.nan, np.nan, np.nan, n)
    xv, yv = frame.iloc[:, 0].to_numpy(float), frame.iloc[:, 1].to_numpy(float)
    xc = xv - xv.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        return Slope(np.nan, np.nan, np.nan, n)
    return n, xv, yv, xc, sxx, float(xc @ (yv - yv.mean())) / sxx


def ols_slope(x: pd.Series, y: pd.Series, level: float = 0.95) -> Slope:
    """Slope of y on x with an intercept; interval from heteroskedasticity-robust (HC1) standard errors."""
    fit = _centered_fit(x, y, min_n=4)
    if isinstance(fit, Slope):
        return fit
    n, xv, yv, xc, sxx, b = fit
    a = yv.mean() - b * xv.mean()
    resid = yv - a - b * xv
    var = float((xc ** 2) @ (resid ** 2)) / sxx ** 2 * n / (n - 2)
    half = stats.t.ppf(0.5 + level / 2, n - 2) * np.sqrt(var)
    return Slope(b, b - half, b + half, n)


def _ewc(v: np.ndarray) -> tuple[float, int]:
    """Equal-weighted cosine long-run variance of the rows of v (T x k, mean zero under the null) and its degrees of
    freedom B = ceil(0.4 T^(2/3)) (Lazarus, Lewis, Stock and Watson 2018)."""
    t = len(v)
    b = max(1, int(np.ceil(0.4 * t ** (2 / 3))))
    j = np.arange(1, b + 1)
    basis = np.sqrt(2.0 / t) * np.cos(np.pi * np.outer(j, np.arange(t) + 0.5) / t)      # B x T
    lam = basis @ v                                                                   # B x k
    return lam.T @ lam / b, b


def har_slope(x: pd.Series, y: pd.Series, level: float = 0.95) -> Slope:
    """Slope of y on x with an intercept; interval from the EWC long-run variance (valid under serial correlation
    and heteroskedasticity), with Student t critical values on B degrees of freedom."""
    fit = _centered_fit(x, y, min_n=6)
    if isinstance(fit, Slope):
        return fit
    n, xv, yv, xc, sxx, b = fit
    resid = (yv - yv.mean()) - b * xc
    omega, dof = _ewc((xc * resid)[:, None])
    se = float(np.sqrt(omega[0, 0] * n)) / sxx
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return Slope(b, b - half, b + half, n)


@dataclass(frozen=True)
class IvSlope:
    estimate: float
    low: float
    high: float
    n: int
    first_stage_f: float              # HAR-robust first-stage F (t squared of the instrument): weak below 10


def iv_slope(y, x, z, level: float = 0.95) -> IvSlope:
    """Just-identified instrumental-variable slope of y on x with instrument z (all with an intercept); the interval
    and the first-stage F use the EWC long-run variance."""
    y, x, z = (np.asarray(v, float) for v in (y, x, z))
    ok = np.isfinite(y) & np.isfinite(x) & np.isfinite(z)
    y, x, z = y[ok], x[ok], z[ok]
    n = len(y)
    if n < 8:
        return IvSlope(np.nan, np.nan, np.nan, n, np.nan)
    yc, xc, zc = y - y.mean(), x - x.mean(), z - z.mean()
    szx, szz = float(zc @ xc), float(zc @ zc)
    if szx == 0 or szz == 0:
        return IvSlope(np.nan, np.nan, np.nan, n, np.nan)
    b = float(zc @ yc) / szx
    resid = yc - b * xc
    omega, dof = _ewc((zc * resid)[:, None])
    se = float(np.sqrt(omega[0, 0] * n)) / abs(szx)
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    pi = szx / szz                                        # first stage: x on z
    v = xc - pi * zc
    omega1, _ = _ewc((zc * v)[:, None])
    f = pi ** 2 / (omega1[0, 0] * n / szz ** 2)
    return IvSlope(b, b - half, b + half, n, float(f))


# -- bootstrap under serial correlation -----------------------------------------------------------------
@dataclass(frozen=True)
class BlockLength:
    stationary: float                 # mean block length of the stationary bootstrap
    circular: float                   # block length of the circular (moving) block bootstrap


def optimal_block_length(x) -> BlockLength:
    """Politis and White (2004), "Automatic block-length selection for the dependent bootstrap", with the correction
    of Patton, Politis and White (2009): b = (2 G^2 / D)^(1/3) n^(1/3), G = sum lambda(k/M) |k| R(k),
    D_SB = 2 g^2, D_CB = (4/3) g^2, g = sum lambda(k/M) R(k) (flat-top lag window lambda); M = 2 m, m the smallest lag
    after which K_n = max(5, sqrt(log10 n)) autocorrelations in a row are insignificant at 2 sqrt(log10 n / n);
    blocks are capped at min(3 sqrt(n), n / 3) and floored at 1."""
    e = np.asarray(x, float)
    e = e[np.isfinite(e)]
    n = len(e)
    if n < 8:
        return BlockLength(1.0, 1.0)
    e = e - e.mean()
    k_n = max(5, int(np.ceil(np.sqrt(np.log10(n)))))
    m_max = int(np.ceil(np.sqrt(n))) + k_n
    b_max = float(np.ceil(min(3 * np.sqrt(n), n / 3)))
    acov = np.array([e[k:] @ e[:n - k] / n for k in range(m_max + 1)])
    if acov[0] <= 0:
        return BlockLength(1.0, 1.0)
    rho = acov / acov[0]
    crit = 2.0 * np.sqrt(np.log10(n) / n)
    m_hat = next((m for m in range(0, m_max - k_n + 1) if np.all(np.abs(rho[m + 1:m + k_n + 1]) < crit)), None)
    big_m = m_max if m_hat is None else min(2 * max(m_hat, 1), m_max)
    k = np.arange(1, big_m + 1)
    lam = np.where(k / big_m <= 0.5, 1.0, 2.0 * (1.0 - k / big_m))
    g = acov[0] + 2.0 * float(np.sum(lam * acov[1:big_m + 1]))
    big_g = 2.0 * float(np.sum(lam * k * acov[1:big_m + 1]))
    if g <= 0:
        return BlockLength(1.0, 1.0)
    b_sb = (2.0 * big_g ** 2 / (2.0 * g ** 2)) ** (1 / 3) * n ** (1 / 3)
    b_cb = (2.0 * big_g ** 2 / (4.0 / 3.0 * g ** 2)) ** (1 / 3) * n ** (1 / 3)
    return BlockLength(float(np.clip(b_sb, 1.0, b_max)), float(np.clip(b_cb, 1.0, b_max)))


def stationary_bootstrap_indices(n: int, mean_block: float, reps: int, rng: np.random.Generator,
                                 length: int | None = None) -> np.ndarray:
    """Politis-Romano stationary bootstrap: `reps` rows of `length` (default n) indices into a series of length n;
    blocks start at uniform positions, have geometric lengths with mean `mean_block` and wrap around the end."""
    length = n if length is None else length
    p = 1.0 / max(float(mean_block), 1.0)
    start = rng.integers(0, n, size=(reps, length))
    new = rng.random((reps, length)) < p
    new[:, 0] = True
    pos = np.arange(length)
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=1)     # where the current block began
    return (np.take_along_axis(start, first, axis=1) + (pos - first)) % n


@dataclass
class SerialErrors:
    """Serially correlated errors fitted to residuals: AR coefficients (order by AIC), their innovations and the
    stationary-bootstrap block length of the innovations. `draw` gives new error series of the same length."""
    ar: np.ndarray
    innovations: np.ndarray
    block: float
    n: int

    @property
    def persistence(self) -> float:
        """Sum of the AR coefficients (1 would be a unit root)."""
        return float(np.sum(self.ar))

    def draw(self, reps: int, rng: np.random.Generator, burn: int = 300) -> np.ndarray:
        """n x reps error series: innovations resampled in stationary-bootstrap blocks and passed through the
        autoregression, after `burn` weeks so that each series starts from the stationary distribution."""
        m = len(self.innovations)
        idx = stationary_bootstrap_indices(m, self.block, reps, rng, length=self.n + burn)
        w = self.innovations[idx]                                            # reps x (n + burn)
        if len(self.ar):
            w = lfilter([1.0], np.r_[1.0, -self.ar], w, axis=1)
        return w[:, burn:].T


    def refit_many(self, resid: np.ndarray) -> list["SerialErrors"]:
        """The same AR order fitted by least squares to each column of `resid` (n x J) at once, with this model's
        block length: the error models of bootstrap samples (a non-stationary refit keeps this model's AR)."""
        r = np.asarray(resid, float)
        r = r - r.mean(axis=0)
        n, j = r.shape
        p = len(self.ar)
        lag0 = max(p, 1)
        target = r[lag0:]                                                    # m x J
        if not p:
            return [SerialErrors(self.ar, target[:, c] - target[:, c].mean(), self.block, n) for c in range(j)]
        lags = np.stack([r[lag0 - k:n - k] for k in range(1, p + 1)], axis=2)   # m x J x p
        xtx = np.einsum("mji,mjk->jik", lags, lags)
        xty = np.einsum("mji,mj->ji", lags, target)
        phi = np.linalg.solve(xtx, xty[..., None])[..., 0]                   # J x p
        out = []
        for c in range(j):
            ar = phi[c] if np.all(np.abs(np.roots(np.r_[1.0, -phi[c]])) < 0.999) else self.ar
            innov = target[:, c] - lags[:, c, :] @ ar
            out.append(SerialErrors(ar, innov - innov.mean(), self.block, n))
        return out


    def corrected(self, resid, mean_refit_ar: np.ndarray) -> "SerialErrors":
        """Bootstrap bias correction of the AR coefficients (Kilian 1998, "bootstrap-after-bootstrap"): estimated on
        regression residuals they are biased toward zero, which makes bootstrap errors too little persistent. With
        the mean of the coefficients refitted on bootstrap samples, ar_bc = ar - (mean_refit - ar), the correction
        shrunk by steps of 1% until the autoregression is stationary; the innovations are those of `resid` under the
        corrected coefficients."""
        if not len(self.ar):
            return self
        bias = np.asarray(mean_refit_ar, float) - self.ar
        for delta in np.arange(1.0, -0.005, -0.01):
            ar = self.ar - delta * bias
            if np.all(np.abs(np.roots(np.r_[1.0, -ar])) < 0.999):
                break
        r = np.asarray(resid, float)
        r = r - r.mean()
        p = len(ar)
        innov = r[p:] - np.column_stack([r[p - k:len(r) - k] for k in range(1, p + 1)]) @ ar
        return SerialErrors(ar, innov - innov.mean(), self.block, self.n)


def serial_errors(resid, max_lag: int = 8) -> SerialErrors:
    """Fit `SerialErrors` to regression residuals: AR(p), p <= max_lag by AIC on a common sample, by least squares;
    a fit that is not stationary falls back to the next lower order."""
    e = np.asarray(resid, float)
    e = e - e.mean()
    n = len(e)
    max_lag = int(min(max_lag, max(n // 10, 0)))
    best = None
    for p in range(max_lag + 1):
        target = e[max_lag:]
        if p:
            lags = np.column_stack([e[max_lag - j:n - j] for j in range(1, p + 1)])
            phi, *_ = np.linalg.lstsq(lags, target, rcond=None)
            if np.any(np.abs(np.roots(np.r_[1.0, -phi])) >= 0.999):
                continue
            innov = target - lags @ phi
        else:
            phi, innov = np.zeros(0), target
        aic = len(target) * np.log(max(float(innov @ innov) / len(target), 1e-300)) + 2 * p
        if best is None or aic < best[0]:
            best = (aic, phi, innov)
    _, phi, innov = best
    innov = innov - innov.mean()
    return SerialErrors(ar=np.asarray(phi, float), innovations=innov,
                        block=optimal_block_length(innov).stationary, n=n)
