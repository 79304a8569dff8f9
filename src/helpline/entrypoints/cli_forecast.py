"""`helpline forecast`: a queue's volume forecast from its KPI history (or from a CSV of counts), with the
rolling back-test of every model against the seasonal-naive baseline (wfm/forecast.py)."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from helpline.domain.errors import DomainError

if TYPE_CHECKING:  # pandas and statsforecast are imported when the command runs: `helpline --help` stays quick
    import pandas as pd

    from helpline.wfm.forecast import Forecast, ForecastOptions


def forecast_command(
        queue: Annotated[str | None, typer.Option(help="Queue code (its offered contacts from the event log); "
                                                      "with --from-csv, only the label")] = None,
        horizon: Annotated[str, typer.Option(help="How far ahead: 7d, 14d, 4w")] = "14d",
        interval: Annotated[str, typer.Option(help="Interval length: 15m, 30m, 1h (5m too with --from-csv)")]
        = "30m",
        history: Annotated[str | None, typer.Option(help="Use at most this much history, back from its last day "
                                                        "(8w, 90d); default: all")] = None,
        since: Annotated[str | None, typer.Option(help="Use history from this day on, YYYY-MM-DD")] = None,
        growth: Annotated[float | None, typer.Option(help="Annual growth rate (0.35 = +35 %% a year); default: "
                                                         "estimated from a year of history, else none")] = None,
        windows: Annotated[int, typer.Option(min=1, max=12, help="Back-test windows")] = 3,
        output: Annotated[Path | None, typer.Option(help="Write the interval forecast to this CSV")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables")] = False,
        from_csv: Annotated[Path | None, typer.Option(help="Forecast the counts of this CSV instead of a queue "
                                                          "of the database")] = None,
        time_column: Annotated[str | None, typer.Option(help="--from-csv: the timestamp column (default: the "
                                                            "first named like time/date)")] = None,
        value_column: Annotated[str | None, typer.Option(help="--from-csv: the count column (default: the last "
                                                             "numeric column)")] = None,
        country: Annotated[str | None, typer.Option(help="--from-csv: holiday calendar, a country (RU, US) or "
                                                        "a market (NYSE)")] = None,
        time_zone: Annotated[str, typer.Option(help="--from-csv: the zone of timestamps without an offset")]
        = "UTC") -> None:
    """Forecast offered contacts per interval: back-test MSTL, seasonal ES and seasonal naive, keep the best."""
    from helpline.entrypoints.cli import errors
    from helpline.wfm.forecast import ForecastError, ForecastOptions, parse_duration

    try:
        interval_s, horizon_s = parse_duration(interval), parse_duration(horizon)
        history_s = parse_duration(history) if history else None
        first_day = date.fromisoformat(since) if since else None
        if from_csv is None and queue is None:
            raise ForecastError("name a --queue, or a --from-csv file")
        if from_csv is not None:
            label, series = _csv_series(from_csv, time_column, value_column, interval_s, time_zone,
                                        first_day, history_s)
            label = queue or label
        else:
            assert queue is not None
            label, series, country = _queue_series(queue, interval_s, first_day, history_s)
        options = ForecastOptions(interval_s=interval_s, horizon_s=horizon_s, country=country, growth=growth,
                                  windows=windows)
        options.check()
        with _progress(quiet=as_json) as report:
            result = _run(series, options, report)
    except (ForecastError, DomainError, ValueError) as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if output is not None:
        _write_csv(output, label, result)
    if as_json:
        sys.stdout.write(orjson.dumps(_json(label, horizon_s, result)).decode() + "\n")
    else:
        _show(label, series, result, output)


def _run(series: pd.Series, options: ForecastOptions, report: Any) -> Forecast:
    from helpline.wfm.forecast import forecast

    return forecast(series, options, progress=report)


def _queue_series(code: str, interval_s: int, since: date | None,
                  history_s: int | None) -> tuple[str, pd.Series, str | None]:
    from helpline.entrypoints.cli import container
    from helpline.services.forecasting import queue_history

    with container() as box, box.uow() as uow:
        found = queue_history(uow, code, interval_s, box.settings.time_zone, since=since, history_s=history_s)
    return found.queue, found.series, found.country


def _csv_series(path: Path, time_column: str | None, value_column: str | None, interval_s: int, time_zone: str,
                since: date | None, history_s: int | None) -> tuple[str, pd.Series]:
    import pandas as pd

    from helpline.wfm.forecast import ForecastError, regular_series

    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ForecastError(f"cannot read {path}: {error}") from error
    columns = list(frame.columns)
    time_column = time_column or next((c for c in columns if any(w in str(c).lower() for w in ("time", "date"))),
                                      None)
    numeric = [c for c in columns if c != time_column and pd.api.types.is_numeric_dtype(frame[c])
               and str(c).lower() not in ("rownames", "index", "id")]
    value_column = value_column or (numeric[-1] if numeric else None)
    for role, name in (("time", time_column), ("value", value_column)):
        if name is None or name not in columns:
            raise ForecastError(f"{path}: no {role} column {name or ''} (columns: {', '.join(map(str, columns))}); "
                                f"name it with --{role}-column")
    try:
        times = pd.to_datetime(frame[time_column], format="ISO8601")
    except (ValueError, TypeError) as error:
        raise ForecastError(f"{path}: column {time_column} does not hold timestamps: {error}") from error
    values = pd.to_numeric(frame[value_column], errors="coerce").fillna(0.0)
    series = regular_series(pd.DatetimeIndex(times), values.to_numpy(), interval_s, time_zone=time_zone)
    if since is not None:
        series = series[series.index.date >= since]
    if history_s is not None and len(series):
        series = series.iloc[-(history_s // interval_s):]
    return path.stem, series


def _progress(*, quiet: bool) -> Any:
    """A progress bar on stderr while the models fit; the last call names the step."""
    from contextlib import contextmanager

    @contextmanager
    def bar() -> Any:
        if quiet:
            yield None
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("fitting", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            yield report

    return bar()


def _write_csv(path: Path, label: str, result: Forecast) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["interval_start", "queue", "forecast", "lo", "hi", "model"])
        for start, row in result.values.iterrows():
            writer.writerow([_iso(start), label, _num(row["forecast"]), _num(row["lo"]), _num(row["hi"]),
                             result.model])


def _json(label: str, horizon_s: int, result: Forecast) -> dict[str, Any]:
    return {"queue": label, "interval_s": result.interval_s, "horizon_s": horizon_s, "model": result.model,
            "backtest": [{"model": s.model, "wape": s.wape, "mae": s.mae} for s in result.backtest],
            "forecast": [{"start": _iso(start), "calls": float(calls)}
                         for start, calls in result.values["forecast"].items()]}


def _show(label: str, series: pd.Series, result: Forecast, output: Path | None) -> None:
    import pandas as pd

    from helpline.wfm.forecast import BASELINE

    console = Console()
    baseline = result.baseline
    table = Table(title=f"Back-test of {label}: {len(series)} intervals of history")
    for column in ("model", "WAPE", "MAE", f"vs {BASELINE} (WAPE)"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for score in result.backtest:
        versus = "baseline" if score.model == BASELINE else (
            f"{score.wape / baseline.wape - 1:+.1%}" if baseline and baseline.wape and score.wape is not None
            else "—")
        chosen = " (chosen)" if score.model == result.model else ""
        table.add_row(score.model + chosen, "—" if score.wape is None else f"{score.wape:.1%}",
                      f"{score.mae:.2f}", versus)
    console.print(table)
    values = result.values["forecast"]
    daily = values.groupby(pd.DatetimeIndex(values.index).date).sum()
    summary = Table(title=f"Forecast of {label} ({result.model})")
    summary.add_column("day")
    summary.add_column("calls", justify="right")
    summary.add_column("peak interval", justify="right")
    for day, total in daily.items():
        peak = values[pd.DatetimeIndex(values.index).date == day]
        summary.add_row(f"{day}{' (holiday)' if day in result.holidays else ''}", f"{total:.0f}",
                        f"{peak.max():.1f} at {peak.idxmax():%H:%M}")
    console.print(summary)
    growth = f"{result.growth:+.0%} a year" if result.growth else "none"
    console.print(f"{values.sum():.0f} contacts in {len(values)} intervals; growth {growth}"
                  + (f"; written to {output}" if output else ""))


def _iso(moment: Any) -> str:
    import pandas as pd

    return str(pd.Timestamp(moment).isoformat())


def _num(value: float) -> str:
    import pandas as pd

    return "" if pd.isna(value) else f"{value:.3f}"
