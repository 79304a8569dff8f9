"""The `helpline` command line. The database is chosen by HELPLINE_DATABASE_URL."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from helpline.bootstrap import Container, bootstrap
from helpline.config import Settings
from helpline.domain.errors import DomainError
from helpline.domain.vocabulary import Role

if TYPE_CHECKING:
    from helpline.adapters.importers.report import ImportReport
    from helpline.services.unit_of_work import UnitOfWork
from helpline.entrypoints import cli_deadline, cli_erlang, cli_forecast, cli_report, cli_schedule, cli_simulate
from helpline.entrypoints.cli_channels import channels_app
from helpline.entrypoints.cli_complaints import complaints_app
from helpline.entrypoints.cli_quality import quality_app

app = typer.Typer(help="Helpline: the contact-centre platform for insurers.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo insurer.", no_args_is_help=True)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for integrations and scripts.", no_args_is_help=True)
import_app = typer.Typer(help="Import history (Asterisk queue_log, the bank data set, a mapped CSV) as events; "
                              "importing the same data again adds nothing.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
export_app = typer.Typer(help="Export data for reporting elsewhere.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(channels_app, name="channels")
app.add_typer(complaints_app, name="complaints")
app.add_typer(quality_app, name="quality")
console = Console()
errors = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            errors.print(f"[red]configuration error:[/red] {problem['msg']}")
        raise typer.Exit(2) from None


@contextmanager
def container() -> Iterator[Container]:
    box = bootstrap(load_settings())
    try:
        yield box
    finally:
        box.close()


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
          workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only; SQLite uses one)")] = 1,
          upgrade: Annotated[bool, typer.Option(help="Migrate the database first")] = True) -> None:
    """Serve the API and web pages."""
    import uvicorn

    settings = load_settings()
    if upgrade:
        _upgrade(settings)
    if settings.database_url.startswith("sqlite") and workers > 1:
        errors.print("[yellow]SQLite serves one writer at a time: starting 1 worker[/yellow]")
        workers = 1
    console.print(f"Helpline is at [bold]http://{host}:{port}/[/bold]  (API: http://{host}:{port}/api/v1/docs)")
    uvicorn.run("helpline.entrypoints.app:app_factory", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower(), access_log=False, timeout_graceful_shutdown=5)


app.command("report")(cli_report.report_command)
# workforce planning (helpline.wfm)
app.command("erlang")(cli_erlang.erlang_command)
app.command("staff")(cli_erlang.staff_command)
app.command("forecast")(cli_forecast.forecast_command)
app.command("schedule")(cli_schedule.schedule_command)
app.command("simulate")(cli_simulate.simulate_command)
# customer care: legal clocks of complaints and call-backs
app.command("deadline")(cli_deadline.deadline_command)


@app.command()
def router() -> None:
    """Route in this process only: a dedicated routing process beside API servers started with
    HELPLINE_ROUTING_ENABLED=false. Several may run; one routes, the others stand by (Ctrl+C stops)."""
    import signal
    import threading

    from helpline.entrypoints.routing_worker import RoutingWorker

    with container() as box:
        worker = RoutingWorker(box)
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        worker.start()
        console.print("routing: waiting for the lease (one process routes at a time)")
        leading = False
        try:
            while not done.wait(0.5):
                if worker.leading.is_set() != leading:
                    leading = not leading
                    console.print("routing: this process routes now" if leading else "routing: standing by")
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()


def _upgrade(settings: Settings) -> None:
    from helpline.adapters.db.migrate import upgrade

    upgrade(settings.database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest revision."""
    _upgrade(load_settings())
    console.print("database is at the latest revision")


@db_app.command("check")
def db_check() -> None:
    """Fail when the models and the migrations disagree (run in CI)."""
    from helpline.adapters.db.migrate import check

    check(load_settings().database_url)
    console.print("models and migrations agree")


@contextmanager
def progress_bars() -> Iterator[tuple[Container, Callable[[str, int, int], None]]]:
    """The migrated database and a `progress(step, done, total)` that draws one bar per step."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with container() as box, Progress(*columns, console=console) as bar:
        _upgrade(box.settings)
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield box, progress


@demo_app.command("load")
def demo_load(weeks: Annotated[int, typer.Option(min=1, max=52, help="Weeks of history")] = 8,
              scale: Annotated[float, typer.Option(min=0.01, max=20, help="Volume multiplier")] = 1.0) -> None:
    """Load the demo insurer (idempotent: a second load adds nothing)."""
    from helpline.demo import DEMO_LOGINS, load_demo

    with progress_bars() as (box, progress):

        summary = load_demo(box.uow, weeks=weeks, scale=scale, progress=progress)
    title = "Demo insurer" + ("" if summary.created else " (already loaded: nothing added)")
    table = Table("what", "rows", title=f"{title}, {summary.seconds:.1f} s")
    for name, value in asdict(summary).items():
        if name not in ("created", "seconds"):
            table.add_row(name, f"{value:,}")
    console.print(table)
    logins = Table("username", "password", "role", "who", title="Demo log-ins")
    for login in DEMO_LOGINS:
        logins.add_row(*login)
    console.print(logins)


@user_app.command("create")
def user_create(username: Annotated[str, typer.Option(help="Log-in name")],
                role: Annotated[Role, typer.Option(help="admin, supervisor, agent, qa or integration")],
                password: Annotated[str | None, typer.Option(help="At least 8 characters; none for token-only")] = None,
                full_name: Annotated[str, typer.Option(help="Display name")] = "") -> None:
    """Create a user."""
    from helpline.services import auth

    with container() as box, box.uow() as uow:
        try:
            user = auth.create_user(uow, username=username, role=role, password=password, full_name=full_name)
            uow.commit()
        except DomainError as error:
            errors.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
        console.print(f"created {role.value} {user.username} (id {user.id})")


@token_app.command("create")
def token_create(username: Annotated[str, typer.Option(help="The user the token acts as")],
                 name: Annotated[str, typer.Option(help="What the token is for")] = "") -> None:
    """Create a bearer token; it is printed once, as the last line."""
    from helpline.services import auth

    with container() as box, box.uow() as uow:
        try:
            token = auth.issue_token(uow, username, name)
        except DomainError as error:
            errors.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
    console.print(f"token for {username} (store it now; it is not shown again):")
    print(token)


# --- import -----------------------------------------------------------------------------------------

SiteOption = Annotated[str, typer.Option("--site", help="Site of the queues and agents created when missing")]
ClientOption = Annotated[str, typer.Option("--client", help="Client (code) of the queues created when missing")]
ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import")]


@import_app.command("queue-log")
def import_queue_log(file: ExistingFile, site: SiteOption = "Imported", client: ClientOption = "imported",
                     tz: Annotated[str, typer.Option("--tz", help="Zone of date-time stamps (Unix stamps are UTC)")]
                     = "UTC") -> None:
    """An Asterisk queue_log (unix_ts|callid|queue|agent|EVENT|data…): calls and agent presence."""
    from helpline.services import imports

    _run_import(lambda uow, progress: imports.import_queue_log(uow, file, site=site, client=client, tz=tz,
                                                               progress=progress), file)


@import_app.command("bank")
def import_bank(file: ExistingFile, site: SiteOption = "Imported", client: ClientOption = "bank",
                tz: Annotated[str, typer.Option("--tz", help="Zone of the file's clock times")] = "Asia/Jerusalem",
                ) -> None:
    """The anonymous bank call-centre data set (tab-separated, one row per call; BRIEF §4)."""
    from helpline.services import imports

    _run_import(lambda uow, progress: imports.import_bank(uow, file, site=site, client=client, tz=tz,
                                                          progress=progress), file)


@import_app.command("csv")
def import_csv(file: ExistingFile,
               mapping: Annotated[Path, typer.Option("--mapping", exists=True, dir_okay=False,
                                                     help="YAML mapping of columns (docs/import-csv-example.yaml)")],
               site: SiteOption = "Imported", client: ClientOption = "imported") -> None:
    """A CSV of one row per interaction, read through a YAML mapping of its columns."""
    from helpline.services import imports

    _run_import(lambda uow, progress: imports.import_csv(uow, file, mapping, site=site, client=client,
                                                         progress=progress), file)


@export_app.command("events")
def export_events(
        directory: Annotated[Path, typer.Argument(help="Dataset directory (created if missing)")],
        from_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM (UTC)")],
        to_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM (UTC), included")]) -> None:
    """Export the event log as Parquet partitioned by month and event type (what `helpline report --events`
    and any Parquet reader query); a month exported again replaces its earlier export."""
    from datetime import date

    from helpline.domain.errors import DomainError
    from helpline.services.reports import export_events as export_months

    try:
        first, last = (date.fromisoformat(f"{month}-01") for month in (from_month, to_month))
    except ValueError:
        errors.print("[red]months are written YYYY-MM[/red]")
        raise typer.Exit(2) from None
    with progress_bars() as (box, progress), box.uow() as uow:
        try:
            written = export_months(uow, directory, first, last,
                                    progress=lambda done, total: progress("months exported", done, total))
        except DomainError as error:
            errors.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    console.print(f"{written:,} events exported to {directory}")


def _run_import(run: "Callable[[UnitOfWork, Callable[[str, int, int], None]], ImportReport]", file: Path) -> None:
    from helpline.adapters.importers.report import ImportRefused

    with progress_bars() as (box, progress):

        try:
            with box.uow() as uow:
                report = run(uow, progress)
        except ImportRefused as error:
            errors.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from None
    console.print(import_summary(report, file.name))


def import_summary(report: "ImportReport", name: str) -> Table:
    """The table every import ends with: what was read and written, and what was skipped and why."""
    table = Table("what", "count", "first lines", title=f"Import of {name} ({report.source}), {report.seconds:.1f} s")
    rows = [("lines read" if report.source == "queue_log" else "rows read", report.read),
            ("interactions created", report.interactions), ("interactions continued", report.continued),
            ("events written", report.events), ("already imported (nothing added)", report.already),
            ("queues created", report.queues_created), ("agents created", report.agents_created)]
    rows += [(f"in the file: {label}", value) for label, value in report.extra.items()]
    for what, value in rows:
        if value or what in ("interactions created", "events written") or what.endswith("read"):
            table.add_row(what, f"{value:,}", "")
    for note, value in sorted(report.notes.items()):
        table.add_row(f"[cyan]note: {note}[/cyan]", f"{value:,}", "")
    table.add_row("skipped", f"{report.skipped.total:,}", "", style="bold" if report.skipped.total else None)
    for reason, value in report.skipped.counts.most_common():
        lines = ", ".join(str(n) for n in report.skipped.lines[reason])
        table.add_row(f"[yellow]  {reason}[/yellow]", f"{value:,}", lines)
    return table


def main() -> None:
    app()
