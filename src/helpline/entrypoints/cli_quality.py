"""`helpline quality sample`: the week's quality sample drawn from cron (each Monday, last week's), as the QA
page and POST /quality/sample draw it. A week drawn before is left alone unless --again (which, as the page's
button, draws more: never an interaction drawn before), so a cron job run twice does not double the work."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import orjson
import typer
from rich.console import Console
from rich.table import Table

from helpline.entrypoints.cli_use_case import OPERATOR, errors, moment, run_use_case

if TYPE_CHECKING:
    from helpline.services.quality_schemas import SampleResult
    from helpline.services.unit_of_work import UnitOfWork

quality_app = typer.Typer(help="Quality control: the weekly sample of interactions to evaluate.",
                          no_args_is_help=True)


@quality_app.command("sample")
def sample(week: Annotated[str | None, typer.Option("--week", help="Any day of the week to draw (YYYY-MM-DD; "
                                                                   "default: the week before --at, or now)")] = None,
           share_percent: Annotated[float, typer.Option("--share-percent", min=0, max=100,
                                                        help="Random share of each agent's interactions")] = 5.0,
           per_agent_min: Annotated[int, typer.Option("--per-agent-min", min=0, max=100,
                                                      help="At least this many per agent")] = 0,
           seed: Annotated[int, typer.Option("--seed", min=0, help="The same seed draws the same sample")] = 0,
           low_scores: Annotated[bool, typer.Option(help="Take every interaction rated below 4")] = True,
           complaints: Annotated[bool, typer.Option(help="Take every interaction complained about")] = True,
           medical: Annotated[bool, typer.Option(help="Take every medical (DMS, travel) interaction")] = True,
           again: Annotated[bool, typer.Option("--again", help="Draw more even if the week was drawn")] = False,
           at: Annotated[str | None, typer.Option("--at", help="As at this moment (ISO 8601 with offset)")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False) -> None:
    """Draw a week's quality sample: the interactions answered that week (Monday to Sunday in the centre's
    time zone) taken by the targeted rules (low ratings, complaints, medical) and the random share, one QA
    task each. Exit 0, also when the week was drawn before (nothing is drawn then); 2 on a bad option."""
    from pydantic import ValidationError

    from helpline.entrypoints.cli import load_settings
    from helpline.services import quality_sampling
    from helpline.services.quality_schemas import SampleRequest

    settings = load_settings()
    try:
        day = date.fromisoformat(week) if week else _last_week(at, settings.time_zone)
        cmd = SampleRequest(week=day, seed=seed, share_percent=share_percent, per_agent_min=per_agent_min,
                            low_scores=low_scores, complaints=complaints, medical=medical)
    except ValueError as error:  # a bad --week, or a value the request refuses
        detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        errors.print(f"[red]error:[/red] {detail}")
        raise typer.Exit(2) from None

    def draw(uow: UnitOfWork) -> SampleResult | None:
        drawn_before = quality_sampling.list_tasks(uow, OPERATOR, open_only=False, week=cmd.week, limit=1)
        if drawn_before and not again:
            return None
        return quality_sampling.draw_sample(uow, OPERATOR, cmd, settings.time_zone)

    result = run_use_case(at, draw)
    monday = quality_sampling.week_bounds(cmd.week, settings.time_zone)[0]
    if as_json:
        shown = {"week": monday.isoformat(), "drawn": 0, "already_drawn": True} if result is None else {
            **result.model_dump(mode="json"), "already_drawn": False}
        sys.stdout.write(orjson.dumps(shown).decode() + "\n")
    elif result is None:
        Console().print(f"The week of {monday.isoformat()} was drawn before: nothing drawn (--again draws more).")
    else:
        _print(result)


def _print(result: SampleResult) -> None:
    table = Table(title=f"Week of {result.week.isoformat()}: {result.drawn} interaction(s) drawn")
    table.add_column("reason")
    table.add_column("drawn", justify="right")
    for reason, count in result.by_reason.items():
        table.add_row(reason.replace("_", " "), str(count))
    Console().print(table)


def _last_week(at: str | None, time_zone: str) -> date:
    """A day of the week before the given moment's (or today's), in the centre's time zone."""
    now = moment(at) or datetime.now(UTC)
    return now.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=7)
