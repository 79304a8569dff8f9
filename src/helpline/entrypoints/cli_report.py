"""`helpline report`: KPI reports in the terminal (table), or as CSV, JSON or XLSX."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from helpline.domain.errors import DomainError
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.kpi import DIMENSIONS, METRIC_NAMES, SL_FORMULAS
from helpline.kpi.metrics import DEFAULT_SL_FORMULA
from helpline.services.reports import ReportRequest, ReportResult, run_report

REPORTING = Actor(user_id=None, username="cli", role=Role.ADMIN)  # whoever can run the CLI reads the database


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


def report_command(
        from_date: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (centre's time zone)")],
        to_date: Annotated[str, typer.Option("--to", help="Day after the last, YYYY-MM-DD (exclusive)")],
        by: Annotated[str, typer.Option(help=f"Dimensions, comma separated: {', '.join(DIMENSIONS)}; "
                                             "interval=15m|30m|1h|1d|1w|1mo sets the interval")] = "",
        metrics: Annotated[str, typer.Option(help=f"Metrics, comma separated: {', '.join(METRIC_NAMES)}")] = "",
        answer_within: Annotated[float | None, typer.Option(help="T in seconds (default: the queue's target)")]
        = None,
        short_abandon: Annotated[float, typer.Option(help="S in seconds: abandons this short are short")] = 5.0,
        sl_formula: Annotated[str, typer.Option(help=f"Service-level formula: {', '.join(SL_FORMULAS)}")]
        = DEFAULT_SL_FORMULA,
        output_format: Annotated[Format, typer.Option("--format", help="table, csv, json or xlsx")] = Format.TABLE,
        output: Annotated[Path | None, typer.Option(help="Write to this file (xlsx needs one)")] = None,
        events: Annotated[Path | None, typer.Option(help="Read the events from this export (`helpline export "
                                                         "events`) instead of the database")] = None) -> None:
    """KPI report from the event log over [--from, --to), grouped --by any dimensions."""
    from helpline.entrypoints.cli import container, errors

    try:
        request = ReportRequest(from_date=date.fromisoformat(from_date), to_date=date.fromisoformat(to_date), by=by,
                                metrics=metrics, answer_within=answer_within, short_abandon=short_abandon,
                                sl_formula=sl_formula)
    except (ValueError, ValidationError) as error:
        errors.print(f"[red]{_first_message(error)}[/red]")
        raise typer.Exit(2) from None
    with container() as box, box.uow() as uow:
        try:
            result = run_report(uow, REPORTING, request, box.settings.time_zone, exported=events)
        except DomainError as error:
            errors.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    _emit(result, output_format, output)


def _emit(result: ReportResult, output_format: Format, output: Path | None) -> None:
    if output_format == Format.XLSX:
        target = output or Path("report.xlsx")
        target.write_bytes(result.xlsx())
        Console().print(f"{len(result.rows)} rows written to {target}")
        return
    if output_format == Format.TABLE:
        _table(result)
        return
    text = result.csv() if output_format == Format.CSV else orjson.dumps(result.rows).decode() + "\n"
    if output is not None:
        output.write_text(text)
    else:
        sys.stdout.write(text)


def _table(result: ReportResult) -> None:
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(column, justify="left" if column in DIMENSIONS else "right", no_wrap=True)
    cells = [[_cell(column, row[column]) for column in result.columns] for row in result.rows]
    for row in cells:
        table.add_row(*row)
    # wide enough for every column in full: a report is read, not squeezed (a narrow terminal wraps lines)
    needed = sum(max([len(c), *(len(r[i]) for r in cells)]) + 3 for i, c in enumerate(result.columns)) + 1
    console = Console()
    console.width = max(console.width, needed)
    console.print(table)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "—"
    if column in ("service_level", "abandon_rate", "answer_rate", "csat_share_4_5", "occupancy"):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.1f}" if column.endswith("_s") or column in ("csat", "nps") else f"{value:.3f}"
    return str(value)


def _first_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        problem = error.errors()[0]
        return f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
    return str(error)
