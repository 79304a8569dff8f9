"""`helpline erlang` and `helpline staff` (issue 7): Erlang C / A figures of one interval, and the fewest agents
meeting targets for one interval or a CSV of many. All durations in seconds. Formulas: docs/wfm/erlang.md."""

from __future__ import annotations

import csv
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # the engine (numpy, scipy) is imported when a command runs: `helpline --help` stays quick
    import numpy as np

    from helpline.wfm.erlang import QueueFigures

FIGURES = ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy")
PLAN_COLUMNS = ("agents", "scheduled_agents", *FIGURES)
# the numeric columns `helpline staff --input` reads; every other column is copied to the plan
CSV_NUMBERS = ("calls", "interval_s", "aht_s", "patience_s", "answer_within_s", "target_service_level",
               "max_asa_s", "max_abandon", "max_occupancy", "shrinkage")
_CHUNK = 2000
errors = Console(stderr=True)


class Model(StrEnum):
    C = "c"
    A = "a"


ModelOption = Annotated[Model, typer.Option(help="c: Erlang C (M/M/N); a: Erlang A (M/M/N+M, needs --patience)")]
CallsOption = Annotated[float | None, typer.Option(help="Calls offered in the interval")]
IntervalOption = Annotated[float, typer.Option(help="Interval length, s")]
AhtOption = Annotated[float, typer.Option(help="Average handle time, s")]
PatienceOption = Annotated[float | None, typer.Option(help="Mean patience before abandoning, s (Erlang A)")]
WithinOption = Annotated[float, typer.Option(help="T: the service level counts answers within T s")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object")]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def _check_interval(model: Model, calls: float | None, interval: float, aht: float, patience: float | None) -> float:
    if calls is None:
        raise _fail("--calls is required (or --input for a CSV of intervals)")
    for name, value, ok in (("--calls", calls, calls >= 0), ("--interval", interval, interval > 0),
                            ("--aht", aht, aht > 0)):
        if not (math.isfinite(value) and ok):
            raise _fail(f"{name} must be {'not negative' if name == '--calls' else 'positive'} (got {value:g})")
    if model == Model.A and (patience is None or not patience > 0):
        raise _fail("Erlang A (--model a) needs --patience > 0 (mean patience in seconds)")
    return calls


def erlang_command(
        agents: Annotated[int, typer.Option(help="Agents answering")],
        model: ModelOption = Model.C, calls: CallsOption = None, interval: IntervalOption = 1800.0,
        aht: AhtOption = 180.0, patience: PatienceOption = None,
        answer_within: WithinOption = 20.0, as_json: JsonOption = False) -> None:
    """Service level, P(wait), ASA, abandonment and occupancy of one interval with N agents. With --json, an
    unstable Erlang C queue (agents ≤ load) has asa_s null (infinite)."""
    from helpline.wfm.erlang import figures

    calls = _check_interval(model, calls, interval, aht, patience)
    if agents < 1:
        raise _fail("--agents must be at least 1")
    if answer_within < 0:
        raise _fail("--answer-within must not be negative")
    result = figures(model.value, calls, interval, aht, agents, answer_within, patience).row()
    _print({**result}, as_json, f"Erlang {model.value.upper()}: {agents} agents, {calls:g} calls")


def staff_command(
        model: ModelOption = Model.C, calls: CallsOption = None, interval: IntervalOption = 1800.0,
        aht: AhtOption = 180.0, patience: PatienceOption = None,
        service_level: Annotated[float | None, typer.Option(help="Target: this share answered within T")] = None,
        answer_within: WithinOption = 20.0,
        max_asa: Annotated[float | None, typer.Option(help="Target: ASA at most this, s")] = None,
        max_abandon: Annotated[float | None, typer.Option(help="Target: abandonment at most this share")] = None,
        max_occupancy: Annotated[float | None, typer.Option(help="Target: occupancy at most this share")] = None,
        shrinkage: Annotated[float, typer.Option(help="Share of paid time not available (scheduled = agents ÷ "
                                                      "(1 − shrinkage), rounded up)")] = 0.0,
        input_csv: Annotated[Path | None, typer.Option("--input", help=(
            "CSV of intervals, one a row. Column calls is required; interval_s, aht_s, patience_s, answer_within_s, "
            "target_service_level, max_asa_s, max_abandon, max_occupancy, shrinkage override the options per "
            "row (an empty cell takes the option); other columns are copied to the output"))] = None,
        output_csv: Annotated[Path | None, typer.Option("--output", help=(
            "With --input: write the plan here (default: standard output): the input columns, then agents, "
            "scheduled_agents, service_level, p_wait, asa_s, p_abandon, occupancy"))] = None,
        as_json: JsonOption = False) -> None:
    """The fewest agents meeting every target given (service level within T, ASA, abandonment, occupancy),
    and the agents to schedule after shrinkage. One interval, or every row of --input: rows that cannot be
    read are skipped, listed on standard error and counted; the exit code is then 1."""
    from helpline.wfm.erlang import agents_needed, figures, scheduled_agents

    if not 0 <= shrinkage < 1:
        raise _fail("--shrinkage must be in [0, 1)")
    defaults: dict[str, float | None] = {
        "interval_s": interval, "aht_s": aht, "patience_s": patience, "answer_within_s": answer_within,
        "target_service_level": service_level, "max_asa_s": max_asa, "max_abandon": max_abandon,
        "max_occupancy": max_occupancy, "shrinkage": shrinkage}
    if input_csv is not None:
        _staff_csv(model, input_csv, output_csv, defaults, as_json)
        return
    calls = _check_interval(model, calls, interval, aht, patience)
    if service_level is None and max_asa is None and max_abandon is None and max_occupancy is None:
        raise _fail("give at least one target: --service-level, --max-asa, --max-abandon or --max-occupancy")
    try:
        agents = int(agents_needed(model.value, calls, interval, aht, patience_s=patience,
                                   service_level=service_level, answer_within_s=answer_within, max_asa_s=max_asa,
                                   max_abandon=max_abandon, max_occupancy=max_occupancy))
    except ValueError as error:
        raise _fail(str(error)) from None
    shown = figures(model.value, calls, interval, aht, max(agents, 1), answer_within, patience).row()
    result = {"agents": agents, "scheduled_agents": int(scheduled_agents(agents, shrinkage)), **shown}
    _print(result, as_json, f"Erlang {model.value.upper()}: fewest agents for {calls:g} calls")


def _print(result: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in result.items()}
        sys.stdout.write(orjson.dumps(clean).decode() + "\n")
        return
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, _cell(key, value))
    Console().print(table)


def _cell(key: str, value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "∞ (unstable)"
    return f"{value:.1f} s" if key.endswith("_s") else f"{value:.2%}"


def _read_rows(path: Path, defaults: dict[str, float | None], model: Model
               ) -> tuple[list[str], list[dict[str, str]], dict[str, list[float]], list[str]]:
    """The rows as read, their numbers (defaults filled in) and a message for every row that cannot be used."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise _fail(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        if "calls" not in header:
            raise _fail(f"{path}: the header must have a calls column (it has: {', '.join(header) or 'nothing'})")
        rows: list[dict[str, str]] = []
        numbers: dict[str, list[float]] = {name: [] for name in CSV_NUMBERS}
        bad: list[str] = []
        for row in reader:
            line = reader.line_num
            try:
                values = _row_numbers(row, defaults, model)
            except ValueError as error:
                bad.append(f"line {line}: {error}")
                continue
            rows.append(row)
            for name in CSV_NUMBERS:
                numbers[name].append(values[name])
    return header, rows, numbers, bad


def _row_numbers(row: dict[str, Any], defaults: dict[str, float | None], model: Model) -> dict[str, float]:
    if None in row or any(v is None for v in row.values()):
        raise ValueError("wrong number of fields")
    values: dict[str, float] = {}
    for name in CSV_NUMBERS:
        text = (row.get(name) or "").strip()
        if text:
            try:
                values[name] = float(text)
            except ValueError:
                raise ValueError(f"{name} is not a number: {text!r}") from None
        else:
            default = defaults.get(name)
            if name == "calls" or (default is None and name in ("interval_s", "aht_s")):
                raise ValueError(f"{name} is missing")
            values[name] = math.nan if default is None else default
        if math.isinf(values[name]):
            raise ValueError(f"{name} is not finite")
    checks = (("calls", values["calls"] >= 0, "must not be negative"), ("interval_s", values["interval_s"] > 0,
              "must be positive"), ("aht_s", values["aht_s"] > 0, "must be positive"),
              ("answer_within_s", not values["answer_within_s"] < 0, "must not be negative"),
              ("shrinkage", 0 <= values["shrinkage"] < 1, "must be in [0, 1)"),
              ("target_service_level", math.isnan(values["target_service_level"])
               or 0 < values["target_service_level"] < 1, "must be between 0 and 1"),
              ("max_asa_s", not values["max_asa_s"] <= 0, "must be positive"),
              ("max_abandon", not (values["max_abandon"] <= 0 or values["max_abandon"] > 1), "must be in (0, 1]"),
              ("max_occupancy", not (values["max_occupancy"] <= 0 or values["max_occupancy"] > 1),
               "must be in (0, 1]"))
    for name, ok, message in checks:
        if not ok:
            raise ValueError(f"{name} {message}")
    if model == Model.A and not values["patience_s"] > 0:
        raise ValueError("patience_s is missing or not positive (Erlang A)")
    if all(math.isnan(values[k]) for k in ("target_service_level", "max_asa_s", "max_abandon", "max_occupancy")):
        raise ValueError("no target (target_service_level, max_asa_s, max_abandon or max_occupancy)")
    return values


def _staff_csv(model: Model, path: Path, output: Path | None, defaults: dict[str, float | None],
               as_json: bool) -> None:
    import numpy as np

    header, rows, numbers, bad = _read_rows(path, defaults, model)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in numbers.items()}
    plan = {name: np.zeros(len(rows)) for name in PLAN_COLUMNS}
    with Progress(TextColumn("staffing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task("rows", total=len(rows))
        for start in range(0, len(rows), _CHUNK):
            part = {k: v[start:start + _CHUNK] for k, v in arrays.items()}
            _plan_chunk(model, part, plan, start)
            progress.advance(task, len(part["calls"]))
    columns = [*header, *(c for c in PLAN_COLUMNS if c not in header)]
    target = output.open("w", newline="") if output is not None else sys.stdout
    try:
        writer = csv.DictWriter(target, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({**row, **{c: _csv_value(c, plan[c][i]) for c in PLAN_COLUMNS}})
    finally:
        if output is not None:
            target.close()
    for message in bad[:20]:
        errors.print(f"[yellow]skipped {message}[/yellow]")
    if bad:
        errors.print(f"[yellow]{len(bad)} of {len(rows) + len(bad)} rows could not be read and were skipped[/yellow]")
    if as_json:
        sys.stdout.write(orjson.dumps({"intervals": len(rows), "skipped": len(bad), "problems": bad,
                                       "output": str(output) if output else None}).decode() + "\n")
    elif output is not None:
        Console().print(f"{len(rows)} intervals planned, written to {output}; {len(bad)} rows skipped")
    if bad:
        raise typer.Exit(1)


def _plan_chunk(model: Model, part: dict[str, np.ndarray], plan: dict[str, np.ndarray], start: int) -> None:
    import numpy as np

    from helpline.wfm.erlang import agents_needed, figures, scheduled_agents

    patience = part["patience_s"] if model == Model.A else None
    agents = agents_needed(model.value, part["calls"], part["interval_s"], part["aht_s"], patience_s=patience,
                           service_level=part["target_service_level"], answer_within_s=part["answer_within_s"],
                           max_asa_s=part["max_asa_s"], max_abandon=part["max_abandon"],
                           max_occupancy=part["max_occupancy"])
    shown: QueueFigures = figures(model.value, part["calls"], part["interval_s"], part["aht_s"],
                                  np.maximum(agents, 1), np.nan_to_num(part["answer_within_s"]), patience)
    end = start + len(agents)
    plan["agents"][start:end] = agents
    plan["scheduled_agents"][start:end] = scheduled_agents(agents, part["shrinkage"])
    for name in FIGURES:
        plan[name][start:end] = getattr(shown, name)


def _csv_value(column: str, value: float) -> str:
    if column in ("agents", "scheduled_agents"):
        return str(int(value))
    return repr(float(value)) if math.isfinite(value) else ""
