"""`helpline complaints overdue|due-soon` (issue 8): the open complaints past their deadline, or due within a few
working days of their rule's calendar, for a morning check or a cron job (exit code 1 when any is overdue with
--fail-if-any)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from helpline.domain.complaints import DUE_SOON_WORKING_DAYS
from helpline.domain.errors import DomainError
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role

complaints_app = typer.Typer(help="The complaint register: deadlines due soon and overdue.", no_args_is_help=True)
REGISTER = Actor(user_id=None, username="cli", role=Role.ADMIN)  # whoever can run the CLI reads the database
errors = Console(stderr=True)


def _listing(state: str, at: str | None, due_soon_days: int, as_json: bool, fail_if_any: bool) -> None:
    from helpline.bootstrap import bootstrap
    from helpline.entrypoints.cli import load_settings
    from helpline.services import complaints
    from helpline.services.complaint_schemas import ListState

    moment = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            errors.print(f"[red]error:[/red] --at {at!r} is not an ISO 8601 date-time with an offset")
            raise typer.Exit(2) from None
        if moment.tzinfo is None:
            errors.print("[red]error:[/red] --at needs an offset (2026-05-01T09:00+03:00)")
            raise typer.Exit(2)
    fixed = moment
    box = bootstrap(load_settings(), clock=lambda: fixed) if fixed is not None else bootstrap(load_settings())
    try:
        with box.uow() as uow:
            found = complaints.listing(uow, REGISTER, state=ListState(state), due_soon_days=due_soon_days,
                                       limit=100_000)
    except DomainError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        box.close()
    if as_json:
        sys.stdout.write(orjson.dumps([c.model_dump(mode="json", exclude={"history"}) for c in found]).decode() + "\n")
    else:
        table = Table(title=f"{len(found)} complaint(s) {state.replace('_', ' ')}")
        for column in ("id", "received", "due", "rule", "status", "client", "handler", "subject"):
            table.add_column(column)
        for c in found:
            table.add_row(str(c.id), c.received_at.isoformat(timespec="minutes"), c.due_local, c.rule, c.status.value,
                          c.client_name, c.handler_name or "—", c.subject)
        Console().print(table)
    if fail_if_any and found:
        raise typer.Exit(1)


@complaints_app.command("overdue")
def overdue(at: Annotated[str | None, typer.Option("--at", help="As at this moment (ISO 8601 with offset); "
                                                                "default now")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list")] = False,
            fail_if_any: Annotated[bool, typer.Option("--fail-if-any", help="Exit 1 when any is listed")] = False
            ) -> None:
    """Open complaints (registered or in progress) past their deadline, oldest deadline first."""
    _listing("overdue", at, DUE_SOON_WORKING_DAYS, as_json, fail_if_any)


@complaints_app.command("due-soon")
def due_soon(days: Annotated[int, typer.Option("--days", min=0, max=60, help="Within this many working days")] =
             DUE_SOON_WORKING_DAYS,
             at: Annotated[str | None, typer.Option("--at", help="As at this moment (ISO 8601 with offset)")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list")] = False,
             fail_if_any: Annotated[bool, typer.Option("--fail-if-any", help="Exit 1 when any is listed")] = False
             ) -> None:
    """Open complaints due by the end of the --days-th working day from today (their rule's calendar)."""
    _listing("due_soon", at, days, as_json, fail_if_any)
