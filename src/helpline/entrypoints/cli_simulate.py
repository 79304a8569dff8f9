"""`helpline simulate`: a scenario's centre run through the real routing engine, reported by the KPI code, with
confidence intervals across replications (docs/wfm/simulate.md)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from helpline.wfm.simulation import (
    FIGURES,
    Estimate,
    Scenario,
    ScenarioError,
    SimulationError,
    SimulationResult,
    event_frame,
    load_scenario,
    simulate,
)

_SHARES = ("service_level", "service_level_erlang", "p_wait", "p_abandon", "occupancy")


def simulate_command(
        scenario: Annotated[Path | None, typer.Argument(help="Scenario YAML (see docs/wfm/simulate.md)")] = None,
        replications: Annotated[int | None, typer.Option(min=1, help="Replications (default: the scenario's)")]
        = None,
        seed: Annotated[int | None, typer.Option(min=0, help="Seed of the first replication (default: the "
                                                            "scenario's); replication i uses seed + i")] = None,
        json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables")] = False,
        events: Annotated[Path | None, typer.Option(help="Write the last replication's event log (.parquet or "
                                                         ".csv)")] = None,
        from_live: Annotated[bool, typer.Option("--from-live", help="Build the scenario from the live "
                                                                    "configuration and history in the database")]
        = False,
        add_agents: Annotated[list[str] | None, typer.Option(help="With --from-live: QUEUE=N more agents able to "
                                                                  "serve that queue (repeatable; negative removes)")]
        = None,
        on: Annotated[str | None, typer.Option("--date", help="With --from-live: the day simulated, YYYY-MM-DD "
                                                              "(default: tomorrow)")] = None,
        weeks: Annotated[int, typer.Option(min=1, max=52, help="With --from-live: weeks of history for arrivals and "
                                                               "handle times")] = 4,
        shift: Annotated[str, typer.Option(help="With --from-live: every agent's shift, HH:MM-HH:MM")] = "08:00-20:00",
        save_scenario: Annotated[Path | None, typer.Option(help="With --from-live: also write the derived scenario "
                                                                "as YAML")] = None) -> None:
    """Simulate SCENARIO.yaml (or the live centre, --from-live) through the real routing engine."""
    errors = Console(stderr=True)
    try:
        if from_live:
            chosen = _from_live(add_agents or [], on, weeks, shift, save_scenario)
        elif scenario is None:
            errors.print("[red]give a SCENARIO.yaml, or --from-live[/red]")
            raise typer.Exit(2)
        else:
            if add_agents:
                errors.print("[red]--add-agents works with --from-live[/red]")
                raise typer.Exit(2)
            chosen = load_scenario(scenario)
        if events is not None and events.suffix not in (".parquet", ".csv"):
            raise ScenarioError(f"--events: {events.name} must end in .parquet or .csv")
        result = _run(chosen, replications, seed, quiet=json_output)
    except (ScenarioError, SimulationError) as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if events is not None:
        frame = event_frame(result.replications[-1].outcome, chosen, ordered=True)
        frame.write_parquet(events) if events.suffix == ".parquet" else frame.write_csv(events)
        errors.print(f"{frame.height:,} events of replication {len(result.replications)} written to {events}")
    if json_output:
        sys.stdout.write(orjson.dumps(result.as_json()).decode() + "\n")
    else:
        _tables(result)


def _from_live(add_agents: list[str], on: str | None, weeks: int, shift: str, save: Path | None) -> Scenario:
    from helpline.entrypoints.cli import container
    from helpline.services.simulation_scenarios import LiveScenarioRequest, dump_scenario, live_scenario

    changes: dict[str, int] = {}
    for item in add_agents:
        code, _, count = item.partition("=")
        try:
            changes[code.strip()] = changes.get(code.strip(), 0) + int(count)
        except ValueError:
            raise ScenarioError(f"--add-agents: {item!r} must be QUEUE=N") from None
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise ScenarioError(f"--date: {on!r} must be YYYY-MM-DD") from None
    with container() as box, box.uow() as uow:
        scenario = live_scenario(uow, LiveScenarioRequest(day=day, weeks=weeks, shift=shift, add_agents=changes),
                                 box.settings.time_zone)
    if save is not None:
        save.write_text(dump_scenario(scenario), encoding="utf-8")
    return scenario


def _run(scenario: Scenario, replications: int | None, seed: int | None, quiet: bool) -> SimulationResult:
    total = scenario.replications if replications is None else replications
    if quiet:
        return simulate(scenario, replications, seed)
    columns = (TextColumn("replications"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulate", total=total)
        return simulate(scenario, replications, seed, progress=lambda done, _: bar.update(task, completed=done))


def _tables(result: SimulationResult) -> None:
    console = Console()
    console.print(f"{len(result.replications)} replications, seeds {result.seed}–"
                  f"{result.seed + len(result.replications) - 1}; 95 % confidence intervals (Student t)")
    for code, figures in result.queues.items():
        table = Table(title=f"queue {code}", title_justify="left")
        for column in ("figure", "mean", "95 % CI"):
            table.add_column(column, justify="left" if column == "figure" else "right", no_wrap=True)
        for name in FIGURES:
            e = figures[name]
            table.add_row(name, _cell(name, e.mean), _interval(name, e))
        console.print(table)


def _interval(name: str, e: Estimate) -> str:
    if e.lo is None or e.hi is None:
        return "—"
    return f"{_cell(name, e.lo)} – {_cell(name, e.hi)}"


def _cell(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    if name in _SHARES:
        return f"{value:.1%}"
    if name.endswith("_s"):
        return f"{value:.1f} s"
    return f"{value:,.1f}"
