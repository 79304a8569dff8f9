"""`helpline schedule`: a forecast (or a requirement) and shift templates → the cheapest shift schedule, the
coverage per interval and a summary table (or JSON). File formats: docs/wfm/schedule.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from helpline.domain.errors import InvalidInput

HELP = """Build the shift schedule that covers the required agents with the fewest paid hours (CP-SAT).

\b
Input, one of:
--requirement plan.csv: interval_start (ISO, offset optional), required;
    optional site, skill (a plan written by --plan reads back).
--forecast forecast.csv: as `helpline forecast --output` writes it
    (interval_start, queue, forecast, ...), with --queues queues.yaml:
    shrinkage, interval_minutes, and per queue aht_s, model (c or a),
    patience_s, service_level, answer_within_s, max_occupancy,
    concurrency (chats at once), skill, site, hours.

\b
--templates shifts.yaml:
    sites: hours, min_agents, max_agents;
    templates: name, site, earliest_start, latest_start, step, lengths,
    breaks (minutes, paid, earliest_after, latest_after), days, skills;
    agents (optional): name, skills, site, count, max_shifts.

\b
Output:
--output schedule.csv: shift, agent, site, template, date, start, end,
    paid_hours, breaks, skills.
--coverage coverage.csv: interval_start, site, skill, required,
    scheduled, under, over.
--plan plan.csv: the staffing plan (with --forecast).
--json: the summary as JSON (keys in docs/wfm/schedule.md).

Examples in docs/wfm/examples/. A bad file exits with status 2."""


def schedule_command(
        templates: Annotated[Path, typer.Option("--templates", help="Shift templates, sites and agents (YAML)")],
        output: Annotated[Path, typer.Option("--output", help="Write the shifts here (CSV)")],
        requirement: Annotated[Path | None, typer.Option(help="Agents to schedule per interval (CSV)")] = None,
        forecast: Annotated[Path | None, typer.Option(help="Forecast of contacts per queue (CSV)")] = None,
        queues: Annotated[Path | None, typer.Option(help="Queue parameters for --forecast (YAML)")] = None,
        coverage: Annotated[Path | None, typer.Option(help="Write required/scheduled/under/over per interval")]
        = None,
        plan: Annotated[Path | None, typer.Option("--plan", help="Write the staffing plan (with --forecast)")]
        = None,
        interval: Annotated[int | None, typer.Option(help="Interval in minutes (default: from the file)")] = None,
        time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds")] = 10.0,
        workers: Annotated[int, typer.Option(help="Solver threads (0: all cores)")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False) -> None:
    from helpline.services import scheduling

    errors = Console(stderr=True)
    status = Console(stderr=True) if as_json else Console()
    try:
        inputs = scheduling.load_inputs(templates, requirement=requirement, forecast=forecast, queues=queues,
                                        interval_min=interval)
        with status.status("solving…") as spinner:
            def progress(objective: float, bound: float, seconds: float) -> None:
                spinner.update(f"solving… {seconds:.1f} s, best objective {objective:,.0f} (bound {bound:,.0f})")

            result = scheduling.make_schedule(inputs, time_limit_s=time_limit, workers=workers, progress=progress)
    except InvalidInput as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    output.write_text(scheduling.schedule_csv(result))
    if coverage is not None:
        coverage.write_text(scheduling.coverage_csv(result))
    if plan is not None and inputs.staffing is not None:
        plan.write_text(scheduling.plan_csv(inputs.staffing, inputs.requirement))
    facts = scheduling.summary(result)
    if as_json:
        sys.stdout.write(orjson.dumps(facts).decode() + "\n")
        return
    Console().print(_table(facts, output))


schedule_command.__doc__ = HELP


def _table(facts: dict[str, object], output: Path) -> Table:
    table = Table("", "", title=f"Schedule written to {output}", show_header=False)
    status = str(facts["status"])
    table.add_row("solver status", f"[green]{status}[/green]" if status == "OPTIMAL" else f"[yellow]{status}[/yellow]")
    table.add_row("solve time", f"{facts['solve_seconds']:.1f} s")
    table.add_row("paid hours", f"{facts['paid_hours']:,.1f}")
    table.add_row("shifts", f"{facts['shifts']:,}")
    if facts["unassigned_shifts"]:
        table.add_row("[yellow]shifts no named agent could take[/yellow]", f"{facts['unassigned_shifts']:,}")
    table.add_row("days", f"{facts['first_day']} – {facts['last_day']} ({facts['interval_minutes']}-min intervals)")
    under = int(str(facts["under_staffed_intervals"]))
    table.add_row("under-staffed intervals", f"[red]{under:,}[/red]" if under else "0")
    table.add_row("  missing agent-hours", f"{facts['under_agent_hours']:,.1f}")
    table.add_row("over-staffed intervals", f"{facts['over_staffed_intervals']:,}")
    table.add_row("  extra agent-hours", f"{facts['over_agent_hours']:,.1f}")
    if facts["below_site_minimum_intervals"]:
        table.add_row("[yellow]intervals below a site's minimum[/yellow]", f"{facts['below_site_minimum_intervals']:,}")
    groups = facts["groups"]
    assert isinstance(groups, list)
    for group in groups:
        table.add_row(f"{group['site']} / {group['skill']}",
                      f"{group['required_agent_hours']:,.1f} h required, {group['scheduled_agent_hours']:,.1f} h "
                      f"scheduled, {group['under_staffed_intervals']} intervals under")
    return table
