"""Volume forecasts: contacts per queue and interval, from the history of offered contacts (issue 7).

Pure (numpy, pandas, statsforecast, holidays). The input is a regular series: one count per interval of
`interval_s` seconds, in the queue site's time zone, a missing interval meaning 0 (`regular_series` builds
it from timestamps). Three models (statsforecast):

- `mstl`: MSTL with a daily and a weekly season, its trend forecast by AutoETS (the statsforecast default);
- `seasonal_es`: seasonal exponential smoothing (`SeasonalExponentialSmoothingOptimized`, weekly season:
  one smoothed level per weekday and time of day);
- `seasonal_naive`: the same interval a week earlier, the baseline every model must beat.

Around each model the same steps (so the back-test measures exactly what the final forecast does):

1. growth: with an annual rate g (given, or estimated from ≥ 52 weeks of history), history is divided by
   (1+g)^(t/year) (every point brought to the level of the history's end), the model fitted on that, and the
   forecast multiplied by (1+g)^(t/year) again, t counted from the history's end;
2. holidays (the `holidays` package, the site's country): past holidays, and past days without a single
   contact on a weekday that usually has some (gaps in the data, outages), are replaced by the mean of the same
   weekday and time of day on ordinary days (so a closed Monday does not teach "Mondays are empty"); a
   holiday in the horizon is forecast like the weekday it resembles, Sunday by default: each of its
   intervals is multiplied by (mean of that time on Sundays) ÷ (mean of that time on its own weekday);
3. closed hours: an interval of the week (weekday × time of day) with no contact in the recent history
   (up to the last 8 weeks) is forecast 0;
4. negative values are clipped at 0.

`forecast` back-tests every model on rolling windows (time-series cross-validation: the last `windows`
blocks of min(horizon, one week), each forecast from the history before it), scores WAPE = Σ|a − f| ÷ Σa and
MAE over all windows, picks the model with the lowest WAPE and refits it on the whole history.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import holidays
import numpy as np
import pandas as pd

MODELS = ("mstl", "seasonal_es", "seasonal_naive")
BASELINE = "seasonal_naive"
_WITH_INTERVALS = ("mstl", "seasonal_naive")  # seasonal ES gives no prediction interval
DAY_S = 86_400
YEAR_S = 365.25 * DAY_S
PROFILE_WEEKS = 8  # the recent weeks that define closed hours and the weekday profiles
GROWTH_MIN_WEEKS = 52  # history needed to estimate a growth rate
MIN_TRAIN_WEEKS = 2  # MSTL needs two whole weekly seasons
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3_600, "d": DAY_S, "w": 7 * DAY_S}

Progress = Callable[[str, int, int], None]


class ForecastError(ValueError):
    """A forecast that cannot be made as asked (bad interval, unknown model or country)."""


class NotEnoughHistory(ForecastError):
    """The history is too short for the weekly season and one back-test window."""


def parse_duration(text: str) -> int:
    """"30m", "14d", "8w", "1h", "90s" → seconds."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise ForecastError(f"{text!r} is not a duration such as 30m, 1h, 14d or 8w")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0 or seconds != int(seconds):
        raise ForecastError(f"{text!r} must be a positive whole number of seconds")
    return int(seconds)


@dataclass(frozen=True)
class ForecastOptions:
    interval_s: int = 1_800
    horizon_s: int = 14 * DAY_S
    country: str | None = None  # ISO 3166-1 alpha-2, for the holidays; None: no holidays
    subdivision: str | None = None
    growth: float | None = None  # annual rate (0.35 = +35 % a year); None: estimated when history is long enough
    estimate_growth: bool = True
    holiday_like: int = 6  # the weekday (Monday 0) a holiday resembles
    models: tuple[str, ...] = MODELS
    windows: int = 3  # back-test windows
    level: int = 80  # prediction interval (%), where the model gives one

    def check(self) -> None:
        if self.interval_s <= 0 or DAY_S % self.interval_s:
            raise ForecastError("the interval must divide a day (5m, 15m, 30m, 1h, 1d...)")
        if self.horizon_s < self.interval_s:
            raise ForecastError("the horizon must be at least one interval")
        if unknown := [m for m in self.models if m not in MODELS]:
            raise ForecastError(f"unknown model {', '.join(unknown)}; known: {', '.join(MODELS)}")
        if not self.models:
            raise ForecastError("no model to fit")
        if self.growth is not None and not -1 < self.growth < 100:
            raise ForecastError("the growth rate is a fraction a year, above -1 (0.35 = +35 %)")
        if not 0 <= self.holiday_like <= 6:
            raise ForecastError("holiday_like is a weekday, 0 (Monday) to 6 (Sunday)")
        if self.windows < 1:
            raise ForecastError("at least one back-test window")

    @property
    def per_day(self) -> int:
        return DAY_S // self.interval_s

    @property
    def per_week(self) -> int:
        return 7 * self.per_day

    @property
    def horizon(self) -> int:
        return math.ceil(self.horizon_s / self.interval_s)


@dataclass(frozen=True)
class Score:
    model: str
    wape: float | None  # None when the windows held no contact
    mae: float


@dataclass(frozen=True)
class Forecast:
    model: str  # the model chosen by back-test WAPE
    interval_s: int
    values: pd.DataFrame  # index: interval start (aware); columns forecast, lo, hi (lo/hi NaN when not given)
    backtest: list[Score]
    growth: float | None  # the annual rate applied
    holidays: list[date] = field(default_factory=list)  # holidays inside the horizon

    @property
    def baseline(self) -> Score | None:
        return next((s for s in self.backtest if s.model == BASELINE), None)


def regular_series(times: Sequence[Any] | pd.Index, counts: Sequence[float] | np.ndarray, interval_s: int, *,
                   time_zone: str | None = None, start: Any = None, end: Any = None) -> pd.Series:
    """Counts summed per interval on a gap-free grid [start, end): missing intervals are 0. Naive times are
    taken in `time_zone` (UTC without one); start and end default to the local midnights around the data."""
    index = pd.DatetimeIndex(pd.to_datetime(list(times)) if not isinstance(times, pd.Index) else times)
    zone = time_zone or (str(index.tz) if index.tz is not None else "UTC")
    index = index.tz_localize(zone) if index.tz is None else index.tz_convert(zone)
    freq = pd.Timedelta(seconds=interval_s)
    # days start at local midnight; shorter intervals are cut in UTC (every zone offset is whole quarter-hours)
    floored = index.normalize() if interval_s % DAY_S == 0 else index.tz_convert("UTC").floor(freq).tz_convert(zone)
    sums = pd.Series(np.asarray(counts, dtype=float), index=floored).groupby(level=0).sum()
    if start is None:
        start = floored.min().normalize() if len(floored) else None
    if end is None:
        end = floored.max().normalize() + pd.Timedelta(days=1) if len(floored) else None
    if start is None or end is None:
        return pd.Series([], index=pd.DatetimeIndex([], tz=zone), dtype=float)
    start, end = (pd.Timestamp(x).tz_convert(zone) if pd.Timestamp(x).tz else pd.Timestamp(x).tz_localize(zone)
                  for x in (start, end))
    grid = pd.date_range(start, end, freq=freq, inclusive="left")
    return sums.reindex(grid, fill_value=0.0).astype(float)


def slots(index: pd.DatetimeIndex, interval_s: int) -> np.ndarray:
    """Each interval's place in the week: weekday × intervals a day + interval of the (local) day."""
    seconds = index.hour * 3_600 + index.minute * 60 + index.second
    return np.asarray(index.dayofweek * (DAY_S // interval_s) + seconds // interval_s, dtype=np.int64)


def holiday_dates(index: pd.DatetimeIndex, country: str | None, subdivision: str | None = None) -> set[date]:
    if country is None or not len(index):
        return set()
    years = range(index.min().year, index.max().year + 1)
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    except NotImplementedError:
        try:  # a market's calendar ("NYSE"): the days a bank closes, where they differ from the country's
            calendar = holidays.financial_holidays(country, years=years)
        except NotImplementedError as error:
            raise ForecastError(f"no holiday calendar for {country!r} (a country code such as RU, US, "
                                f"or a financial market such as NYSE)") from error
    return set(calendar)


def _on(index: pd.DatetimeIndex, days: set[date]) -> np.ndarray:
    if not days:
        return np.zeros(len(index), dtype=bool)
    return np.isin(np.asarray(index.date), np.array(sorted(days), dtype=object))


def estimate_growth(history: pd.Series) -> float | None:
    """The annual growth of weekly totals (log-linear fit), from at least GROWTH_MIN_WEEKS whole weeks."""
    interval_s = int(history.index.freq.nanos // 1_000_000_000) if history.index.freq else _step(history)
    per_week = 7 * DAY_S // interval_s
    weeks = len(history) // per_week
    if weeks < GROWTH_MIN_WEEKS:
        return None
    totals = history.to_numpy()[-weeks * per_week:].reshape(weeks, per_week).sum(axis=1)
    keep = totals > 0
    if keep.sum() < GROWTH_MIN_WEEKS // 2:
        return None
    slope = np.polyfit(np.arange(weeks)[keep], np.log(totals[keep]), 1)[0]
    return float(np.clip(math.exp(slope * YEAR_S / (7 * DAY_S)) - 1, -0.9, 10.0))


def _step(series: pd.Series) -> int:
    return int((series.index[1] - series.index[0]).total_seconds())


def _model(name: str, options: ForecastOptions) -> Any:
    from statsforecast.models import MSTL, SeasonalExponentialSmoothingOptimized, SeasonalNaive

    week = options.per_week
    if name == "mstl":
        return MSTL(season_length=sorted({s for s in (options.per_day, week) if s > 1}))
    if name == "seasonal_es":
        return SeasonalExponentialSmoothingOptimized(season_length=week)
    return SeasonalNaive(season_length=week)


def predict(history: pd.Series, model: str, options: ForecastOptions) -> pd.DataFrame:
    """One model's forecast of the `options.horizon` intervals after `history`, with every step of the module
    docstring (growth, holidays, closed hours, clipping). Columns forecast, lo, hi."""
    options.check()
    index = pd.DatetimeIndex(history.index)
    step = pd.Timedelta(seconds=options.interval_s)
    future = pd.date_range(index[-1] + step, periods=options.horizon, freq=step)
    y = history.to_numpy(dtype=float)
    growth = options.growth if options.growth is not None else (
        estimate_growth(history) if options.estimate_growth else None)
    past_t = (index - index[-1]).total_seconds().to_numpy() / YEAR_S
    future_t = (future - index[-1]).total_seconds().to_numpy() / YEAR_S
    if growth:
        y = y / np.power(1 + growth, past_t)
    days = holiday_dates(index.union(future), options.country, options.subdivision)
    past_holiday, future_holiday = _on(index, days) | _empty_days(index, y), _on(future, days)
    past_slot, future_slot = slots(index, options.interval_s), slots(future, options.interval_s)
    recent = np.arange(len(y)) >= len(y) - PROFILE_WEEKS * options.per_week
    ordinary = ~past_holiday
    profile = _profile(y, past_slot, ordinary & recent, options.per_week)
    if past_holiday.any():  # a past holiday reads as an ordinary day of its weekday
        fill = _profile(y, past_slot, ordinary, options.per_week)
        y = np.where(past_holiday, fill[past_slot], y)
    fitted = _model(model, options)
    if model in _WITH_INTERVALS:
        out = fitted.forecast(y=y, h=options.horizon, level=[options.level])
    else:
        out = fitted.forecast(y=y, h=options.horizon)
    frame = np.vstack([np.asarray(out["mean"], dtype=float),
                       np.asarray(out.get(f"lo-{options.level}", np.full(options.horizon, np.nan)), dtype=float),
                       np.asarray(out.get(f"hi-{options.level}", np.full(options.horizon, np.nan)), dtype=float)])
    if growth:
        frame = frame * np.power(1 + growth, future_t)
    if future_holiday.any():
        frame[:, future_holiday] *= _holiday_ratio(profile, future_slot[future_holiday], options)
    observed = np.bincount(past_slot[ordinary & recent], minlength=options.per_week) > 0
    closed = observed & (profile <= 0)  # intervals of the week that never had a contact
    frame[:, closed[future_slot]] = 0.0
    frame = np.clip(frame, 0.0, None)
    return pd.DataFrame({"forecast": frame[0], "lo": frame[1], "hi": frame[2]}, index=future)


def _empty_days(index: pd.DatetimeIndex, y: np.ndarray) -> np.ndarray:
    """Points of days without a single contact on a weekday that usually has some (a gap in the data, an
    outage, a closure the calendar does not know): read like past holidays, not as a weekday's pattern."""
    day = pd.Series(y).groupby(np.asarray(index.normalize())).transform("sum").to_numpy()
    weekday = np.asarray(index.dayofweek)
    totals = pd.DataFrame({"day": np.asarray(index.normalize()), "weekday": weekday, "total": day}).drop_duplicates(
        "day").groupby("weekday")["total"].median()
    usual = totals.reindex(range(7), fill_value=0.0).to_numpy()[weekday]
    empty: np.ndarray = (day <= 0) & (usual > 0)
    return empty


def _profile(y: np.ndarray, slot: np.ndarray, keep: np.ndarray, per_week: int) -> np.ndarray:
    """Mean of each interval of the week over the kept points (0 where none)."""
    sums = np.bincount(slot[keep], weights=y[keep], minlength=per_week)
    counts = np.bincount(slot[keep], minlength=per_week)
    return np.divide(sums, counts, out=np.zeros(per_week), where=counts > 0)


def _holiday_ratio(profile: np.ndarray, slot: np.ndarray, options: ForecastOptions) -> np.ndarray:
    """Mean at that time on the weekday holidays resemble ÷ mean at that time on the holiday's own weekday
    (at most 2: a busier holiday, but not an explosion from a nearly empty own weekday)."""
    per_day = options.per_day
    like = options.holiday_like * per_day + slot % per_day
    own = profile[slot]
    ratio: np.ndarray = np.minimum(np.divide(profile[like], own, out=np.ones(len(slot)), where=own > 0), 2.0)
    return ratio


def backtest(history: pd.Series, options: ForecastOptions, progress: Progress | None = None) -> list[Score]:
    """Every model scored on the same rolling windows (the last `windows` blocks of the history)."""
    options.check()
    cutoffs, length = _windows(len(history), options)
    test_options = _with_horizon(options, length)
    scores = []
    total = len(options.models) * len(cutoffs)
    done = 0
    for model in options.models:
        errors, actual = [], []
        for cutoff in cutoffs:
            predicted = predict(history.iloc[:cutoff], model, test_options)["forecast"].to_numpy()
            truth = history.iloc[cutoff:cutoff + length].to_numpy(dtype=float)
            errors.append(np.abs(truth - predicted))
            actual.append(truth)
            done += 1
            if progress:
                progress(f"back-test {model}", done, total)
        error, truth = np.concatenate(errors), np.concatenate(actual)
        scores.append(Score(model, float(error.sum() / truth.sum()) if truth.sum() > 0 else None,
                            float(error.mean())))
    return scores


def _windows(n: int, options: ForecastOptions) -> tuple[list[int], int]:
    length = min(options.horizon, options.per_week)
    least = MIN_TRAIN_WEEKS * options.per_week
    windows = min(options.windows, (n - least) // length)
    if windows < 1:
        days = (least + length) * options.interval_s / DAY_S
        raise NotEnoughHistory(f"not enough history: {n * options.interval_s / DAY_S:g} days, the forecast needs "
                               f"at least {days:g} ({MIN_TRAIN_WEEKS} weeks to fit and one back-test window)")
    return [n - k * length for k in range(windows, 0, -1)], length


def _with_horizon(options: ForecastOptions, intervals: int) -> ForecastOptions:
    from dataclasses import replace

    return replace(options, horizon_s=intervals * options.interval_s)


def forecast(history: pd.Series, options: ForecastOptions, progress: Progress | None = None) -> Forecast:
    """Back-test every model, choose the lowest WAPE (the baseline when no model has one), refit it on the whole
    history and forecast `options.horizon_s`."""
    options.check()
    if len(history) >= 2 and _step(history) != options.interval_s:
        raise ForecastError(f"the history's interval is {_step(history)} s, the options say {options.interval_s}")
    scores = backtest(history, options, progress)
    scored = [s for s in scores if s.wape is not None]
    best = min(scored, key=lambda s: s.wape or 0.0).model if scored else (
        BASELINE if BASELINE in options.models else options.models[0])
    if progress:
        progress(f"forecast {best}", 0, 1)
    values = predict(history, best, options)
    if progress:
        progress(f"forecast {best}", 1, 1)
    growth = options.growth if options.growth is not None else (
        estimate_growth(history) if options.estimate_growth else None)
    future = pd.DatetimeIndex(values.index)
    days = sorted(d for d in holiday_dates(future, options.country, options.subdivision)
                  if future[0].date() <= d <= future[-1].date())
    return Forecast(best, options.interval_s, values, scores, growth, days)


def wape(actual: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray) -> float:
    """Σ|actual − forecast| ÷ Σ actual."""
    a, f = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    return float(np.abs(a - f).sum() / a.sum())
