"""`helpline complaints overdue|due-soon` (issue 8): the open complaints past their deadline, or due within a few
working days of their rule's calendar, for a morning check or a cron job (exit code 1 when any is overdue with
--fail-if-any). `helpline complaints warn`, from cron, e-mails the deadline warnings due, to the users' e-mail
addresses (set on the admin users form or the users API)."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from helpline.config import BASE_URL_ENV
from helpline.domain.complaints import DUE_SOON_WORKING_DAYS
from helpline.entrypoints.cli_use_case import OPERATOR, errors, run_use_case

complaints_app = typer.Typer(help="The complaint register: deadlines due soon and overdue, and their warnings.",
                              no_args_is_help=True)
def _listing(state: str, at: str | None, due_soon_days: int, as_json: bool, fail_if_any: bool) -> None:
    from helpline.services import complaints
    from helpline.services.complaint_schemas import ListState

    found = run_use_case(at, lambda uow: complaints.listing(uow, OPERATOR, state=ListState(state),
                                                     due_soon_days=due_soon_days, limit=100_000))
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


@complaints_app.command("warn")
def warn(within_days: Annotated[int, typer.Option("--within-days", min=0, max=60,
                                                  help="Warn about complaints due within this many working days "
                                                       "(and those overdue)")] = DUE_SOON_WORKING_DAYS,
         at: Annotated[str | None, typer.Option("--at", help="As at this moment (ISO 8601 with offset)")] = None,
         base_url: Annotated[str | None, typer.Option("--base-url", help=f"The web pages' address for the link "
                                                                         f"(default ${BASE_URL_ENV})")] = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list")] = False) -> None:
    """E-mail the deadline warnings due: each open complaint due within --within-days working days or overdue,
    not yet warned about its current due date, to its handler (else its site's supervisors), once. For cron:
    exit 0 when every e-mail went out (or none was due), 1 when some failed (retried by the next run), 2 when
    no SMTP sender is configured."""
    from helpline.entrypoints.cli import load_settings
    from helpline.services import complaint_warnings

    url = base_url or load_settings().base_url or "http://127.0.0.1:8000"
    sent = run_use_case(at, lambda uow: complaint_warnings.warn_due(uow, OPERATOR, base_url=url,
                                                                    within_days=within_days))
    if as_json:
        sys.stdout.write(orjson.dumps([w.model_dump(mode="json") for w in sent]).decode() + "\n")
    else:
        table = Table(title=f"{sum(w.sent for w in sent)} warning(s) sent")
        for column in ("complaint", "due", "deadline", "to", "as", "language", "sent", "subject"):
            table.add_column(column)
        for w in sent:
            table.add_row(str(w.complaint_id), w.due_local, w.deadline_state.value if w.deadline_state else "",
                          w.to_address or "—", w.recipient_role or "—", w.language or "—",
                          "yes" if w.sent else f"no: {w.error}", w.subject)
        Console().print(table)
    for failed in (w for w in sent if not w.sent):
        errors.print(f"complaint {failed.complaint_id}: not warned ({failed.to_address or 'no address'}): "
                     f"{failed.error}", markup=False, highlight=False)
    if any(not w.sent for w in sent):
        raise typer.Exit(1)

