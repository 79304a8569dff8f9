"""Numerically stable building blocks of the Erlang formulas (private to helpline.wfm.erlang).

Everything works in log space or with ratios of two quantities that would each under- or overflow alone:
no factorials, no powers of the load. See docs/wfm/erlang.md, "Numerical stability".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

Floats = NDArray[np.float64]

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
_TINY = 1e-17  # a series stops when what is left is below this share of its sum
SERIES_BELOW = 0.75  # a ratio series is used below this load ratio (fast), or wherever the direct form underflows
_UNDERFLOW_BD0 = 500.0  # past this the Poisson-like terms are below e^-500: the direct form is not used
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(24)
_PANELS = 6
_TAIL = 46.0  # the quadrature covers where the density is above e^-46 of its peak


def stirlerr(n: Floats) -> Floats:
    """log Γ(n+1) − (n+½)·log n + n − ½·log 2π, accurate for n > 0 (Loader's series beyond 15)."""
    out = np.empty_like(n)
    small = n < 15.0
    ns = n[small]
    out[small] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _HALF_LOG_2PI
    nl = n[~small]
    nn = nl * nl
    out[~small] = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / nl
    return out


def bd0(x: Floats, y: Floats) -> Floats:
    """x·log(x/y) + y − x for x, y > 0 without cancellation (Loader's deviance term)."""
    v = (x - y) / (x + y)
    out = np.empty_like(v)
    near = np.abs(v) < 0.1
    vn, xn = v[near], x[near]
    v2 = vn * vn
    term, total = vn.copy(), np.zeros_like(vn)
    for j in range(1, 12):
        term = term * v2
        total = total + term / (2 * j + 1)
    out[near] = (xn - y[near]) * vn + 2.0 * xn * total
    far = ~near
    xf, yf = x[far], y[far]
    out[far] = xf * (np.log(xf) - np.log(yf)) + yf - xf
    return out


def log_poisson(x: Floats, y: Floats) -> Floats:
    """log(y^x · e^−y / Γ(x+1)), the Poisson probability at a real x ≥ 0, for y ≥ 0."""
    out = np.full_like(x, -np.inf)
    zero_x = x == 0
    out[zero_x] = -y[zero_x]
    ok = (x > 0) & (y > 0)
    xo = x[ok]
    out[ok] = -bd0(xo, y[ok]) - 0.5 * np.log(xo) - _HALF_LOG_2PI - stirlerr(xo)
    return out


def _use_series(n: Floats, load: Floats) -> NDArray[np.bool_]:
    """Where the ratio series is used: the load below n, and either well below it (the series is short) or
    so far below that the regularised gamma functions underflow."""
    below = load < n
    far = np.zeros_like(below)
    check = below & (load >= SERIES_BELOW * n) & (load > 0)
    far[check] = bd0(n[check], load[check]) > _UNDERFLOW_BD0
    return below & ((load < SERIES_BELOW * n) | far)


def log_inv_erlang_b(n: Floats, a: Floats) -> Floats:
    """log(1/B(n, a)) = log(Σ_{j≤n} a^j/j! ÷ a^n/n!) for integer n ≥ 0 and load a ≥ 0."""
    out = np.zeros_like(a)
    live = (n > 0) & (a > 0)
    out[(n > 0) & (a == 0)] = np.inf
    series = live & (n < a) & _use_series(a, n)
    direct = live & ~series
    nd, ad = n[direct], a[direct]
    with np.errstate(divide="ignore"):
        out[direct] = np.log(special.gammaincc(nd + 1.0, ad)) - log_poisson(nd, ad)
    # series: Σ_k n(n−1)…(n−k+1)/a^k, a ratio of at most n/a < 1 between terms
    idx = np.flatnonzero(series)
    ns, as_ = n[idx], a[idx]
    term = np.ones_like(ns)
    total = np.ones_like(ns)
    k = 0
    while idx.size:
        k += 1
        term = term * np.maximum(ns - (k - 1), 0.0) / as_
        total = total + term
        ratio = np.maximum(ns - k, 0.0) / as_
        done = term <= _TINY * total * (1.0 - ratio)
        if done.any():
            out[idx[done]] = np.log(total[done])
            keep = ~done
            idx, ns, as_, term, total = idx[keep], ns[keep], as_[keep], term[keep], total[keep]
    return out


class GammaRatios:
    """For x > 0 and y ≥ 0, with t_k = y^k / ((x+1)(x+2)…(x+k)) (the queue's distribution relative to its
    first state in Erlang A): log A(x, y) = log Σ_k t_k = log(P(x, y) ÷ Poisson(x; y)) and log P(x, y), P the
    regularised lower incomplete gamma function; and where the series was summed (`series`), the share of
    waiting customers who abandon (`abandon_share`) and the mean of −log(S/y) for S ~ Gamma(x+1) below y
    (`mean_log_wait`)."""

    def __init__(self, x: Floats, y: Floats) -> None:
        self.log_a = np.empty_like(x)
        self.log_p = np.empty_like(x)
        self.abandon_share = np.full_like(x, np.nan)
        self.mean_log_wait = np.full_like(x, np.nan)
        self.tail_share = np.full_like(x, np.nan)  # Σ_{k≥1} t_k ÷ Σ t_k = 1 − 1/A, where summed
        self.series = _use_series(x, y) | (y == 0)
        direct = ~self.series
        xd, yd = x[direct], y[direct]
        with np.errstate(divide="ignore"):
            self.log_p[direct] = np.log(special.gammainc(xd, yd))
        self.log_a[direct] = self.log_p[direct] - log_poisson(xd, yd)
        self._sum(x, y)

    def _sum(self, x: Floats, y: Floats) -> None:
        idx = np.flatnonzero(self.series)
        xs, ys = x[idx], y[idx]
        lp = log_poisson(xs, ys)
        one = np.ones_like(xs)
        term, total, tail = one.copy(), one.copy(), np.zeros_like(xs)  # Σ t_k and Σ_{k≥1} t_k
        abandon = 1.0 / (xs + 1.0)  # Σ t_k (k+1)/(x+k+1)
        c = 1.0 / (xs + 1.0)  # c_k = t_k/(x+k+1)
        h = c.copy()  # h_k = Σ_{j=1}^{k+1} 1/(x+j)
        c_sum, ch_sum = c.copy(), c * h
        k = 0
        while idx.size:
            k += 1
            term = term * ys / (xs + k)
            total = total + term
            tail = tail + term
            step = 1.0 / (xs + k + 1.0)
            abandon = abandon + term * (k + 1) * step
            c = term * step
            h = h + step
            c_sum = c_sum + c
            ch_sum = ch_sum + c * h
            ratio = ys * step
            done = term * (k + 1.0) <= _TINY * (1.0 - ratio)  # every sum starts at ≥ its first term
            if done.any():
                at = idx[done]
                log_total = np.log(total[done])
                self.log_a[at] = log_total
                self.log_p[at] = log_total + lp[done]
                self.abandon_share[at] = abandon[done] / total[done]
                self.mean_log_wait[at] = ch_sum[done] / c_sum[done]
                self.tail_share[at] = tail[done] / total[done]
                keep = ~done
                idx, xs, ys, lp = idx[keep], xs[keep], ys[keep], lp[keep]
                term, total, tail, abandon = term[keep], total[keep], tail[keep], abandon[keep]
                c, h, c_sum, ch_sum = c[keep], h[keep], c_sum[keep], ch_sum[keep]

    def served_share(self, x: Floats, y: Floats) -> Floats:
        """P(served | waited) = (x/y)·(1 − 1/A(x, y)), from the series' own tail where it was summed."""
        share = np.where(self.series, self.tail_share, -np.expm1(-self.log_a))
        return np.asarray((x / y) * share, dtype=np.float64)


def mean_log_wait(a: Floats, y: Floats) -> Floats:
    """E[D] for the density ∝ exp(−a·D − y·e^−D) on D > 0 (a > 0, y > 0): composite Gauss–Legendre over
    the interval where the log-concave density is above e^−46 of its peak."""
    peak = np.where(y > a, np.log(y / a), 0.0)
    top = np.where(y > a, a, y)  # y·e^−peak
    # right end: a·u + top·(e^−u − 1) = _TAIL, convex and increasing in u > 0; Newton from an upper bound
    c = _TAIL / a
    u = np.where(3.0 * c <= 1.0, np.sqrt(3.0 * c), c + 1.0)
    for _ in range(60):
        f = a * u + top * np.expm1(-u) - _TAIL
        u = u - f / (a - top * np.exp(-u))
    right = peak + u
    # left end (an interior peak only): a·(e^u − 1 − u) = _TAIL
    v = np.sqrt(2.0 * c)
    for _ in range(60):
        v = v - (np.expm1(v) - v - c) / np.expm1(v)
    left = np.where(y > a, np.maximum(peak - v, 0.0), 0.0)
    edges = left[:, None] + (right - left)[:, None] * np.linspace(0.0, 1.0, _PANELS + 1)[None, :]
    half = 0.5 * (edges[:, 1:] - edges[:, :-1])
    mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
    d = (mid[:, :, None] + half[:, :, None] * _GAUSS_NODES[None, None, :]).reshape(len(a), -1)
    w = (half[:, :, None] * _GAUSS_WEIGHTS[None, None, :]).reshape(len(a), -1)
    u_rel = d - peak[:, None]
    log_density = -a[:, None] * u_rel - top[:, None] * np.expm1(-u_rel)
    weight = w * np.exp(log_density)
    return np.asarray((weight * d).sum(axis=1) / weight.sum(axis=1), dtype=np.float64)
