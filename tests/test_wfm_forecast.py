"""Volume forecasts (issue 7): the pure engine on synthetic series and on the real 5-minute bank arrivals
(fpp3 `bank_calls`), and `helpline forecast` end to end on the demo insurer."""


import numpy as np
import orjson
import pandas as pd
import pytest
from typer.testing import CliRunner

from helpline.entrypoints.cli import app
from helpline.wfm.forecast import (
    BASELINE,
    ForecastError,
    ForecastOptions,
    NotEnoughHistory,
    estimate_growth,
    forecast,
    parse_duration,
    predict,
    regular_series,
    wape,
)
from tests.shared_data import shared_data

HALF_HOUR = 1_800
WEEK = 7 * 48
# Monday..Sunday factors and an intraday shape open 07:00-22:00 (closed at night)
DAYS = np.array([1.3, 1.2, 1.0, 1.0, 0.95, 0.6, 0.4])
SHAPE = np.array([0.0] * 14 + [float(x) for x in np.sin(np.linspace(0.2, np.pi - 0.2, 30)) * 40] + [0.0] * 4)
runner = CliRunner()


def expected(index: pd.DatetimeIndex) -> np.ndarray:
    return DAYS[index.dayofweek] * SHAPE[(index.hour * 60 + index.minute) // 30]


def synthetic(start: str = "2025-05-12", weeks: int = 4, seed: int = 7, zone: str = "Europe/Moscow") -> pd.Series:
    index = pd.date_range(start, periods=weeks * WEEK, freq="30min", tz=zone)
    counts = np.random.default_rng(seed).poisson(expected(index)).astype(float)
    return pd.Series(counts, index=index)


def test_durations_and_a_regular_series_with_missing_intervals_as_zero():
    assert [parse_duration(t) for t in ("30m", "1h", "14d", "8w", "5m")] == [1_800, 3_600, 1_209_600, 4_838_400, 300]
    with pytest.raises(ForecastError):
        parse_duration("soon")
    times = ["2025-01-06T09:05:00Z", "2025-01-06T09:20:00Z", "2025-01-06T11:40:00Z"]
    series = regular_series(pd.DatetimeIndex(pd.to_datetime(times)), [2, 3, 4], HALF_HOUR)
    assert len(series) == 48 and series.sum() == 9
    assert series["2025-01-06T09:00:00Z"] == 5 and series["2025-01-06T10:00:00Z"] == 0
    assert series["2025-01-06T11:30:00Z"] == 4
    with pytest.raises(ForecastError, match="divide a day"):
        ForecastOptions(interval_s=7 * 60).check()


def test_the_forecast_recovers_a_daily_and_weekly_pattern_and_keeps_the_night_at_zero():
    history = synthetic()
    result = forecast(history, ForecastOptions(horizon_s=7 * 86_400, windows=1))
    values = result.values["forecast"]
    truth = expected(pd.DatetimeIndex(values.index))
    assert wape(truth, values.to_numpy()) < 0.12
    assert {s.model for s in result.backtest} == {"mstl", "seasonal_es", "seasonal_naive"}
    chosen = next(s for s in result.backtest if s.model == result.model)
    assert result.baseline is not None and chosen.wape is not None and result.baseline.wape is not None
    assert chosen.wape <= result.baseline.wape
    assert (values >= 0).all() and (result.values["lo"].dropna() >= 0).all()
    night = values[(truth == 0)]
    assert len(night) == 7 * 18 and night.abs().max() == 0.0


def test_a_holiday_is_forecast_like_a_sunday():
    """12 June (Russia Day) falls on a Thursday: with the RU calendar that Thursday is forecast like a Sunday."""
    history = synthetic(start="2025-05-12", weeks=4)  # ends Sunday 8 June; the horizon is 9-15 June
    plain = predict(history, "seasonal_es", ForecastOptions(horizon_s=7 * 86_400))["forecast"]
    with_holidays = predict(history, "seasonal_es", ForecastOptions(horizon_s=7 * 86_400, country="RU"))["forecast"]
    day = pd.DatetimeIndex(plain.index).date
    holiday, sunday, wednesday = (pd.Timestamp(d).date() for d in ("2025-06-12", "2025-06-15", "2025-06-11"))
    assert with_holidays[day == holiday].sum() < 0.6 * plain[day == holiday].sum()
    assert with_holidays[day == holiday].sum() == pytest.approx(with_holidays[day == sunday].sum(), rel=0.15)
    assert with_holidays[day == wednesday].sum() == pytest.approx(plain[day == wednesday].sum())  # other days kept


def test_a_past_holiday_does_not_teach_an_empty_weekday():
    """The May holidays (Thursdays 1 and 8, Fridays 2 and 9) were quiet in the history: the next Thursday is
    still forecast as an ordinary one. (A day with no contact at all is cleaned even without a calendar.)"""
    history = synthetic(start="2025-04-14", weeks=4)  # ends Sunday 11 May; the horizon is 12-18 May
    closed = pd.DatetimeIndex(pd.to_datetime(["2025-05-01", "2025-05-02", "2025-05-08", "2025-05-09"])).date
    history[np.isin(history.index.date, closed)] *= 0.3
    result = predict(history, "seasonal_naive", ForecastOptions(horizon_s=7 * 86_400, country="RU"))["forecast"]
    thursday = pd.DatetimeIndex(result.index).dayofweek == 3
    assert result[thursday].sum() == pytest.approx(DAYS[3] * SHAPE.sum(), rel=0.15)
    without = predict(history, "seasonal_naive", ForecastOptions(horizon_s=7 * 86_400))["forecast"]
    assert without[thursday].sum() < 0.4 * DAYS[3] * SHAPE.sum()  # without the calendar the quiet day is copied
    history[np.isin(history.index.date, closed)] = 0.0
    emptied = predict(history, "seasonal_naive", ForecastOptions(horizon_s=7 * 86_400))["forecast"]
    assert emptied[thursday].sum() == pytest.approx(DAYS[3] * SHAPE.sum(), rel=0.15)


def test_growth_raises_the_forecast_by_the_annual_rate():
    index = pd.date_range("2025-01-06", periods=4 * 7 * 24, freq="1h", tz="UTC")
    flat = pd.Series(np.tile(np.r_[np.zeros(8), np.full(12, 50.0), np.zeros(4)], 28), index=index)
    options = ForecastOptions(interval_s=3_600, horizon_s=364 * 86_400, growth=0.35)
    grown = predict(flat, "seasonal_naive", options)["forecast"].to_numpy()
    first, last = grown[:168].sum(), grown[-168:].sum()
    assert last / first == pytest.approx(1.35 ** (357 / 365.25), rel=0.01)
    assert first == pytest.approx(flat.iloc[-168:].sum(), rel=0.01)  # the level where the history ends


def test_growth_is_estimated_from_a_year_of_history():
    days = pd.date_range("2024-01-01", periods=60 * 7, freq="1D", tz="UTC")
    years = np.arange(len(days)) / 365.25
    series = pd.Series(1_000 * 1.35 ** years * np.array([1.2, 1.1, 1, 1, 1, 0.8, 0.6])[days.dayofweek], index=days)
    assert estimate_growth(series) == pytest.approx(0.35, abs=0.01)
    assert estimate_growth(series.iloc[:30 * 7]) is None  # too short: no estimate


def test_too_little_history_is_a_clear_error():
    with pytest.raises(NotEnoughHistory, match="not enough history"):
        forecast(synthetic(weeks=2), ForecastOptions(horizon_s=7 * 86_400))


def test_the_bank_back_test_beats_the_seasonal_naive_baseline():
    """The real 5-minute arrivals, summed to 30 minutes, last 10 weeks, NYSE holidays (the bank closes on
    Memorial Day, 4 July and Labor Day, not on Columbus Day): figures in docs/wfm/forecast.md."""
    frame = pd.read_csv(shared_data("fpp3_bank_calls.csv"))
    series = regular_series(pd.DatetimeIndex(pd.to_datetime(frame["DateTime"])), frame["Calls"].to_numpy(),
                            HALF_HOUR)
    assert len(series) % WEEK == 0 or len(series) > 30 * WEEK
    result = forecast(series.iloc[-10 * WEEK:], ForecastOptions(horizon_s=7 * 86_400, country="NYSE", windows=3))
    scores = {s.model: s for s in result.backtest}
    chosen, baseline = scores[result.model], scores[BASELINE]
    assert result.model != BASELINE
    assert chosen.wape is not None and baseline.wape is not None
    assert chosen.wape < 0.9 * baseline.wape and chosen.mae < baseline.mae
    assert (result.values["forecast"] >= 0).all()
    weekend = pd.DatetimeIndex(result.values.index).dayofweek >= 5
    assert result.values["forecast"][weekend].sum() == 0  # the bank is closed at weekends


# --- end to end: the CLI, on a CSV and on the demo insurer -------------------------------------------------

@pytest.fixture
def env(database_url, monkeypatch):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")


def test_the_cli_forecasts_a_csv_and_writes_the_interval_file(tmp_path):
    history = synthetic(weeks=3)
    source = tmp_path / "calls.csv"
    pd.DataFrame({"time": history.index.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "calls": history.to_numpy()}).to_csv(source, index=False)
    target = tmp_path / "forecast.csv"
    result = runner.invoke(app, ["forecast", "--from-csv", str(source), "--horizon", "2d", "--windows", "1",
                                 "--time-zone", "UTC", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "seasonal_naive" in result.output and "WAPE" in result.output and "(chosen)" in result.output
    written = pd.read_csv(target)
    assert list(written.columns) == ["interval_start", "queue", "forecast", "lo", "hi", "model"]
    assert len(written) == 96 and (written["forecast"] >= 0).all() and set(written["queue"]) == {"calls"}
    assert written["interval_start"][0].endswith("+00:00")
    missing = runner.invoke(app, ["forecast", "--from-csv", str(source), "--value-column", "volume"])
    assert missing.exit_code == 2 and "volume" in missing.output


def test_the_cli_forecasts_a_demo_queue_as_json(env, container):
    from helpline.demo import load_demo

    load_demo(container.uow, weeks=3, scale=0.05)
    result = runner.invoke(app, ["forecast", "--queue", "msk_osago", "--horizon", "7d", "--windows", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert set(data) == {"queue", "interval_s", "horizon_s", "model", "backtest", "forecast"}
    assert data["queue"] == "msk_osago" and data["interval_s"] == 1_800 and data["horizon_s"] == 7 * 86_400
    assert {b["model"] for b in data["backtest"]} == {"mstl", "seasonal_es", "seasonal_naive"}
    assert data["model"] in {b["model"] for b in data["backtest"]}
    assert all(set(b) == {"model", "wape", "mae"} for b in data["backtest"])
    assert len(data["forecast"]) == 7 * 48 and all(p["calls"] >= 0 for p in data["forecast"])
    assert data["forecast"][0]["start"].endswith("+03:00")  # the Moscow site's intervals
    night = [p["calls"] for p in data["forecast"] if p["start"][11:13] in ("02", "03", "04")]
    assert max(night) == 0  # the office queue is closed at night
    short = runner.invoke(app, ["forecast", "--queue", "msk_osago", "--horizon", "7d", "--history", "1w"])
    assert short.exit_code == 2 and "not enough history" in short.output
    unknown = runner.invoke(app, ["forecast", "--queue", "nope", "--json"])
    assert unknown.exit_code == 2 and "not found" in unknown.output
