"""Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M): queue figures and the fewest agents meeting targets.

Pure and vectorised: every argument may be a scalar or an array, broadcast together; durations in seconds.
Stable from tiny loads to 50,000 Erlangs and 100,000 agents (log space, no factorials). Definitions,
formulas and stability notes: docs/wfm/erlang.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from helpline.wfm._stable import GammaRatios, log_inv_erlang_b, mean_log_wait

Floats = NDArray[np.float64]
MODELS = ("c", "a")
_MAX_DOUBLINGS = 40
_WALK = 64


@dataclass(frozen=True)
class QueueFigures:
    """Figures of one or many intervals (arrays of one shape). service_level: share of all arrivals answered
    within T (abandoners are misses); p_wait: share that finds every agent busy; asa_s: mean wait of the
    answered; p_abandon: share that abandons (0 in Erlang C); occupancy: carried load per agent."""

    service_level: Floats
    p_wait: Floats
    asa_s: Floats
    p_abandon: Floats
    occupancy: Floats

    def row(self, index: int | tuple[int, ...] = ()) -> dict[str, float]:
        """One interval's figures as plain floats."""
        return {name: float(getattr(self, name)[index]) for name in
                ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy")}


def _floats(value: ArrayLike) -> Floats:
    return np.asarray(value, dtype=np.float64)


def _check(condition: Any, message: str) -> None:
    if not np.all(condition):
        raise ValueError(message)


def _agents(agents: ArrayLike) -> Floats:
    n = _floats(agents)
    _check(np.isfinite(n) & (n >= 1) & (n == np.floor(n)), "agents must be whole numbers, at least 1")
    return n


def offered_load(calls: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike) -> Floats:
    """A = calls × AHT ÷ interval, in Erlangs."""
    c, i, h = _floats(calls), _floats(interval_s), _floats(aht_s)
    _check(np.isfinite(c) & (c >= 0), "calls must be finite and not negative")
    _check(np.isfinite(i) & (i > 0), "interval_s must be positive")
    _check(np.isfinite(h) & (h > 0), "aht_s must be positive")
    return np.asarray(c * h / i, dtype=np.float64)


def erlang_b(agents: ArrayLike, load: ArrayLike) -> Floats:
    """Blocking probability B(N, A) of M/M/N/N."""
    n, a = np.broadcast_arrays(_floats(agents), _floats(load))
    _check((n >= 0) & (n == np.floor(n)) & (a >= 0) & np.isfinite(a), "agents ≥ 0 whole, load ≥ 0 finite")
    flat = log_inv_erlang_b(n.ravel().astype(np.float64), a.ravel().astype(np.float64))
    return np.exp(-flat).reshape(n.shape)


def _log_erlang_c(n: Floats, a: Floats) -> Floats:
    """log C(N, A) for N > A: 1/C = (1 − A/N)/B + A/N."""
    inv_b = log_inv_erlang_b(n, a)
    with np.errstate(divide="ignore"):
        return np.asarray(-np.logaddexp(np.log1p(-a / n) + inv_b, np.log(a / n)), dtype=np.float64)


def erlang_c(agents: ArrayLike, load: ArrayLike) -> Floats:
    """P(wait) of M/M/N (Erlang C); 1 when agents ≤ load (the queue never empties)."""
    n, a = np.broadcast_arrays(_floats(agents), _floats(load))
    _check((n >= 0) & (n == np.floor(n)) & (a >= 0) & np.isfinite(a), "agents ≥ 0 whole, load ≥ 0 finite")
    n, a = n.ravel().astype(np.float64), a.ravel().astype(np.float64)
    out = np.ones_like(a)
    stable = n > a
    out[stable] = np.exp(_log_erlang_c(n[stable], a[stable]))
    return out.reshape(np.broadcast_shapes(np.shape(agents), np.shape(load)))


def erlang_c_figures(calls: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike, agents: ArrayLike,
                     answer_within_s: ArrayLike) -> QueueFigures:
    """Erlang C (M/M/N, nobody abandons). Unstable intervals (agents ≤ load): service level 0, P(wait) 1,
    ASA infinite, occupancy 1."""
    a = offered_load(calls, interval_s, aht_s)
    n = _agents(agents)
    t = _floats(answer_within_s)
    _check(t >= 0, "answer_within_s must not be negative")
    shape = np.broadcast_shapes(a.shape, n.shape, t.shape, np.shape(aht_s))
    a, n, t, h = (np.broadcast_to(v, shape).ravel().astype(np.float64) for v in (a, n, t, _floats(aht_s)))
    return _reshape(_c_flat(a, n, t, h), shape)


def _c_flat(a: Floats, n: Floats, t: Floats, aht: Floats) -> QueueFigures:
    p_wait = np.ones_like(a)
    sl = np.zeros_like(a)
    asa = np.full_like(a, np.inf)
    stable = n > a
    ns, as_ = n[stable], a[stable]
    c = np.exp(_log_erlang_c(ns, as_))
    p_wait[stable] = c
    sl[stable] = 1.0 - c * np.exp(-(ns - as_) * t[stable] / aht[stable])
    asa[stable] = c * aht[stable] / (ns - as_)
    return QueueFigures(service_level=sl, p_wait=p_wait, asa_s=asa, p_abandon=np.zeros_like(a),
                        occupancy=np.minimum(a / n, 1.0))


def erlang_a_figures(calls: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike, patience_s: ArrayLike,
                     agents: ArrayLike, answer_within_s: ArrayLike) -> QueueFigures:
    """Erlang A (M/M/N+M: exponential patience of mean patience_s; an infinite patience is Erlang C)."""
    a = offered_load(calls, interval_s, aht_s)
    n = _agents(agents)
    t = _floats(answer_within_s)
    p = _floats(patience_s)
    _check(t >= 0, "answer_within_s must not be negative")
    _check(p > 0, "patience_s must be positive")
    shape = np.broadcast_shapes(a.shape, n.shape, t.shape, p.shape, np.shape(aht_s))
    a, n, t, p, h = (np.broadcast_to(v, shape).ravel().astype(np.float64) for v in (a, n, t, p, _floats(aht_s)))
    return _reshape(_a_flat(a, n, t, p, h), shape)


def _a_flat(a: Floats, n: Floats, t: Floats, patience: Floats, aht: Floats) -> QueueFigures:
    out = {name: np.zeros_like(a) for name in ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy")}
    out["service_level"][:] = 1.0
    finite = np.isfinite(patience) & (a > 0)
    patient = np.isinf(patience) & (a > 0)
    if patient.any():
        c = _c_flat(a[patient], n[patient], t[patient], aht[patient])
        for name in out:
            out[name][patient] = getattr(c, name)
    if finite.any():
        a_ = _a_core(a[finite], n[finite], t[finite], patience[finite], aht[finite])
        for name in out:
            out[name][finite] = getattr(a_, name)
    return QueueFigures(**out)


def _a_core(a: Floats, n: Floats, t: Floats, patience: Floats, aht: Floats) -> QueueFigures:
    """M/M/N+M relative to the probability of N−1 busy agents: the idle states weigh E = 1/B(N−1, A), the
    waiting states (y/x)·A(x, y) with x = N·patience/AHT, y = A·patience/AHT (docs/wfm/erlang.md)."""
    x = n * patience / aht
    y = a * patience / aht
    log_idle = log_inv_erlang_b(n - 1.0, a)
    ratios = GammaRatios(x, y)
    log_wait = np.log(y / x) + ratios.log_a
    p_wait = special.expit(log_wait - log_idle)
    p_no_wait = special.expit(log_idle - log_wait)
    served_if_wait = ratios.served_share(x, y)
    abandon_if_wait = np.where(ratios.series, ratios.abandon_share, 1.0 - served_if_wait)
    # answered within T after waiting: (x/y)·(P(x+1, y) − P(x+1, y·e^(−T/patience))) ÷ P(x, y)
    y_t = y * np.exp(-t / patience)
    later = GammaRatios(x + 1.0, y_t)
    with np.errstate(under="ignore"):
        late_share = np.exp(later.log_p - ratios.log_p)
    within_if_wait = np.clip(served_if_wait - (x / y) * late_share, 0.0, served_if_wait)
    within_if_wait = np.where(t == 0, 0.0, within_if_wait)
    p_abandon = p_wait * abandon_if_wait
    p_served = 1.0 - p_abandon
    # the wait of a served waiting customer: E[D]·patience, D with density ∝ exp(−(x+1)·D − y·e^−D)
    mean_d = ratios.mean_log_wait.copy()
    quad = ~ratios.series
    if quad.any():
        mean_d[quad] = mean_log_wait(x[quad] + 1.0, y[quad])
    asa = p_wait * served_if_wait * mean_d * patience / p_served
    return QueueFigures(service_level=np.clip(p_no_wait + p_wait * within_if_wait, 0.0, 1.0), p_wait=p_wait,
                        asa_s=asa, p_abandon=p_abandon, occupancy=np.minimum(p_served * a / n, 1.0))


def _reshape(figures: QueueFigures, shape: tuple[int, ...]) -> QueueFigures:
    return QueueFigures(**{name: getattr(figures, name).reshape(shape) for name in
                           ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy")})


def figures(model: str, calls: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike, agents: ArrayLike,
            answer_within_s: ArrayLike, patience_s: ArrayLike | None = None) -> QueueFigures:
    """Erlang C or A by name ("c" or "a"; Erlang A needs patience_s)."""
    if model == "c":
        return erlang_c_figures(calls, interval_s, aht_s, agents, answer_within_s)
    if model == "a":
        if patience_s is None:
            raise ValueError("Erlang A needs patience_s")
        return erlang_a_figures(calls, interval_s, aht_s, patience_s, agents, answer_within_s)
    raise ValueError(f"model must be one of {', '.join(MODELS)}")


def agents_needed(model: str, calls: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike, *,
                  patience_s: ArrayLike | None = None, service_level: ArrayLike | None = None,
                  answer_within_s: ArrayLike | None = None, max_asa_s: ArrayLike | None = None,
                  max_abandon: ArrayLike | None = None, max_occupancy: ArrayLike | None = None) -> NDArray[np.int64]:
    """The fewest agents meeting every given target: service level within answer_within_s at least
    service_level, ASA at most max_asa_s, abandonment at most max_abandon (Erlang A), occupancy at most
    max_occupancy. A target may be an array; NaN in it means no such target for that interval. Erlang C
    needs more agents than the load (a stable queue); no load needs no agents."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}")
    if model == "a" and patience_s is None:
        raise ValueError("Erlang A needs patience_s")
    a = offered_load(calls, interval_s, aht_s)
    targets = {"service_level": service_level, "max_asa_s": max_asa_s, "max_abandon": max_abandon,
               "max_occupancy": max_occupancy}
    given = {k: _floats(v) for k, v in targets.items() if v is not None}
    if not given:
        raise ValueError("give at least one target: service_level, max_asa_s, max_abandon or max_occupancy")
    t = _floats(answer_within_s if answer_within_s is not None else np.nan)
    if "service_level" in given:
        sl = given["service_level"]
        _check(np.isnan(sl) | ((sl > 0) & (sl < 1)), "service_level must be between 0 and 1 (exclusive)")
        _check(np.isnan(sl) | (t >= 0), "a service-level target needs answer_within_s ≥ 0")
    for name in ("max_abandon", "max_occupancy"):
        if name in given:
            v = given[name]
            _check(np.isnan(v) | ((v > 0) & (v <= 1)), f"{name} must be in (0, 1]")
    if "max_asa_s" in given:
        _check(np.isnan(given["max_asa_s"]) | (given["max_asa_s"] > 0), "max_asa_s must be positive")
    p = _floats(patience_s if patience_s is not None and model == "a" else np.inf)
    _check(p > 0, "patience_s must be positive")
    arrays = [a, _floats(aht_s), t, p, *given.values()]
    shape = np.broadcast_shapes(*(v.shape for v in arrays))
    flat = [np.broadcast_to(v, shape).ravel().astype(np.float64) for v in arrays]
    a_f, aht_f, t_f, p_f = flat[:4]
    goals = dict(zip(given, flat[4:], strict=True))
    some = np.zeros(a_f.shape, dtype=bool)
    for v in goals.values():
        some |= ~np.isnan(v)
    _check(some | (a_f == 0), "every interval needs at least one target")
    return _search(model, a_f, aht_f, t_f, p_f, goals).reshape(shape)


def _meets(model: str, idx: NDArray[np.intp], n: Floats, a: Floats, aht: Floats, t: Floats, p: Floats,
           goals: dict[str, Floats]) -> NDArray[np.bool_]:
    tt = np.nan_to_num(t[idx], nan=0.0)
    f = _c_flat(a[idx], n, tt, aht[idx]) if model == "c" else _a_flat(a[idx], n, tt, p[idx], aht[idx])
    ok = np.ones(idx.shape, dtype=bool)
    checks = {"service_level": (f.service_level, 1), "max_asa_s": (f.asa_s, -1), "max_abandon": (f.p_abandon, -1),
              "max_occupancy": (f.occupancy, -1)}
    for name, goal in goals.items():
        value, sign = checks[name]
        g = goal[idx]
        ok &= np.isnan(g) | (value >= g if sign > 0 else value <= g)
    if model == "c":
        ok &= n > a[idx]
    return ok


def _walk_c(a: Floats, aht: Floats, t: Floats, goals: dict[str, Floats], lo: Floats) -> NDArray[np.bool_]:
    """Erlang C fast path: from the smallest stable count upwards with 1/B(n+1) = 1 + (n+1)/A · 1/B(n) (one
    incomplete gamma evaluation per interval), for up to _WALK counts. Where it finds a count clear of every
    target by a margin of 1e-9 (far beyond the recursion's rounding), lo becomes that count and the interval is
    solved (returned True); elsewhere lo becomes the first count it could not settle, and the search goes on."""
    solved = np.zeros(a.shape, dtype=bool)
    idx = np.flatnonzero(a > 0)
    n = lo[idx].copy()
    inv_b = np.exp(log_inv_erlang_b(n, a[idx]))
    aa, hh, tt = a[idx], aht[idx], np.nan_to_num(t[idx], nan=0.0)
    gg = {k: v[idx] for k, v in goals.items()}
    for _ in range(_WALK):
        if not idx.size:
            break
        c = 1.0 / ((1.0 - aa / n) * inv_b + aa / n)
        values = {"service_level": 1.0 - c * np.exp(-(n - aa) * tt / hh), "max_asa_s": c * hh / (n - aa),
                  "max_abandon": np.zeros_like(c), "max_occupancy": aa / n}
        clear = np.ones(idx.shape, dtype=bool)
        near = np.zeros(idx.shape, dtype=bool)
        for name, goal in gg.items():
            v, margin = values[name], 1e-9 * np.abs(goal)
            has = ~np.isnan(goal)
            met = v >= goal if name == "service_level" else v <= goal
            near |= has & (np.abs(v - goal) <= margin)
            clear &= ~has | met
        lo[idx] = n  # no count below n met the targets
        solved[idx[clear & ~near]] = True
        stop = clear | near
        idx, n, inv_b, aa, hh, tt = idx[~stop], n[~stop], inv_b[~stop], aa[~stop], hh[~stop], tt[~stop]
        gg = {k: v[~stop] for k, v in gg.items()}
        n = n + 1.0
        inv_b = 1.0 + inv_b * n / aa
    return solved


def _search(model: str, a: Floats, aht: Floats, t: Floats, p: Floats, goals: dict[str, Floats]) -> NDArray[np.int64]:
    lo = np.floor(a) + 1.0 if model == "c" else np.ones_like(a)  # the smallest candidate
    solved = _walk_c(a, aht, t, goals, lo) if model == "c" else np.zeros(a.shape, dtype=bool)
    hi = np.where(solved, lo, np.maximum(lo, np.ceil(a + 2.0 * np.sqrt(a)) + 1.0))
    idx = np.flatnonzero((a > 0) & ~solved)
    pending = idx
    for _ in range(_MAX_DOUBLINGS):  # hi: a count that meets every target; lo: none below it does
        if not pending.size:
            break
        ok = _meets(model, pending, hi[pending], a, aht, t, p, goals)
        failed = pending[~ok]
        lo[failed] = hi[failed] + 1.0
        hi[failed] = hi[failed] + np.maximum(hi[failed] - np.floor(a[failed]), 1.0) * 2.0
        pending = failed
    if pending.size:
        raise ValueError("the targets cannot be met by any number of agents")
    active = idx[lo[idx] < hi[idx]]
    while active.size:
        mid = np.floor((lo[active] + hi[active]) / 2.0)
        ok = _meets(model, active, mid, a, aht, t, p, goals)
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok] + 1.0
        active = active[lo[active] < hi[active]]
    out = hi.astype(np.int64)
    out[a == 0] = 0
    return out


def scheduled_agents(agents: ArrayLike, shrinkage: ArrayLike) -> NDArray[np.int64]:
    """Agents to schedule so that `agents` remain after shrinkage: ceil(agents ÷ (1 − shrinkage)); a quotient
    within 1e-9 of a whole number is that number (7 ÷ (1 − 0.3) is 10, not 10.000000000000002 → 11)."""
    n, s = _floats(agents), _floats(shrinkage)
    _check((s >= 0) & (s < 1), "shrinkage must be in [0, 1)")
    _check(n >= 0, "agents must not be negative")
    q = n / (1.0 - s)
    return np.ceil(q - 1e-9 * np.maximum(q, 1.0)).astype(np.int64)
