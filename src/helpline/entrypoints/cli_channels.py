"""`helpline channels`: configure the connectors (mailboxes, SMTP, SMS gateways, the PBX feed), see their
health and the inbox, retry failed messages, and run the channel worker on its own."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from helpline.bootstrap import Container, bootstrap
from helpline.config import Settings
from helpline.domain.errors import DomainError
from helpline.services.channels import admin, configs

channels_app = typer.Typer(help="Channel connectors: mailboxes, SMTP, SMS gateways, the PBX feed.",
                           no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="A setting as key=value (repeatable); the value is read as JSON when it parses, else as text")]


@contextmanager
def _container() -> Iterator[Container]:
    try:
        box = bootstrap(Settings())
    except ValidationError as error:
        errors.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from None
    try:
        yield box
    except DomainError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        box.close()


def parse_settings(pairs: list[str] | None) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            errors.print(f"[red]--set {pair!r}: expected key=value[/red]")
            raise typer.Exit(2)
        try:
            settings[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            settings[key.strip()] = value
    return settings


@channels_app.command("kinds")
def list_kinds() -> None:
    """The kinds of connector and their settings."""
    table = Table("kind", "channel", "settings", "description")
    for kind in admin.kinds():
        props = kind.settings_schema.get("properties", {})
        required = set(kind.settings_schema.get("required", []))
        names = ", ".join(f"[bold]{n}[/bold]" if n in required else n for n in props)
        table.add_row(kind.kind, kind.channel, names, kind.description)
    console.print(table)


@channels_app.command("list")
def list_channels() -> None:
    """Configured connectors (secrets hidden)."""
    with _container() as box, box.uow() as uow:
        rows = admin.list_channels(uow)
    table = Table("name", "kind", "channel", "enabled", "queue", "settings")
    for row in rows:
        table.add_row(row.name, row.kind, row.channel, "yes" if row.enabled else "no", str(row.queue_id or ""),
                      json.dumps(row.settings, ensure_ascii=False))
    console.print(table)


@channels_app.command("add")
def add_channel(name: Annotated[str, typer.Argument(help="A name of your choice, e.g. support-mailbox")],
                kind: Annotated[str, typer.Option(help="See `helpline channels kinds`")],
                queue: Annotated[str | None, typer.Option(help="Queue code for inbound requests")] = None,
                settings: SetOption = None,
                disabled: Annotated[bool, typer.Option(help="Add it switched off")] = False) -> None:
    """Configure a connector; the server picks it up when it (re)starts."""
    with _container() as box, box.uow() as uow:
        view = configs.add(uow, name, kind, parse_settings(settings), queue, enabled=not disabled)
    console.print(f"channel [bold]{view.name}[/bold] ({view.kind}) added")


@channels_app.command("set")
def set_channel(name: str, queue: Annotated[str | None, typer.Option(help="Queue code")] = None,
                settings: SetOption = None,
                enabled: Annotated[bool | None, typer.Option("--enable/--disable", help="Switch on or off")] = None
                ) -> None:
    """Change a connector's settings, queue, or switch it on or off."""
    with _container() as box, box.uow() as uow:
        configs.update(uow, name, parse_settings(settings) if settings else None, queue, enabled)
    console.print(f"channel [bold]{name}[/bold] changed")


@channels_app.command("remove")
def remove_channel(name: str) -> None:
    """Remove a connector (what it brought in stays)."""
    with _container() as box, box.uow() as uow:
        configs.remove(uow, name)
    console.print(f"channel [bold]{name}[/bold] removed")


STATUS_STYLE = {"ok": "green", "failing": "red", "idle": "yellow", "unknown": "dim"}


@channels_app.command("status")
def channel_status() -> None:
    """Each connector's health: ok, failing, idle or unknown, with the last error."""
    with _container() as box, box.uow() as uow:
        rows = admin.health_views(uow)
    table = Table("connector", "channel", "status", "last ok", "last activity", "last error")
    for row in rows:
        style = STATUS_STYLE.get(row.status, "")
        table.add_row(row.name, row.channel, f"[{style}]{row.status}[/{style}]", _time(row.last_ok_at),
                      _time(row.last_activity_at), row.last_error[:80])
    console.print(table)


@channels_app.command("inbox")
def show_inbox(status: Annotated[str | None, typer.Option(help="pending, processed, ignored or failed")] = None,
               limit: Annotated[int, typer.Option(min=1, max=1000)] = 20) -> None:
    """Inbound messages, newest first."""
    with _container() as box, box.uow() as uow:
        rows = admin.inbound_messages(uow, status, limit, 0)
    table = Table("id", "channel", "source", "received", "status", "attempts", "interaction", "flags", "error")
    for row in rows:
        table.add_row(str(row.id), row.channel, row.source, _time(row.received_at), row.status, str(row.attempts),
                      str(row.interaction_id or ""), ", ".join(map(str, row.flags)), row.error[:60])
    console.print(table)


@channels_app.command("retry")
def retry_message(message_id: int) -> None:
    """Process a failed inbound message again (after fixing its cause)."""
    with _container() as box, box.uow() as uow:
        admin.retry(uow, message_id)
    console.print(f"inbound message {message_id} queued again")


@channels_app.command("run")
def run_worker() -> None:
    """Run the connectors, the inbox and the outbox in this process only (a server started with
    HELPLINE_CHANNELS_ENABLED=false leaves them to it). Ctrl+C stops."""
    from helpline.entrypoints.channel_worker import ChannelWorker

    with _container() as box:
        worker = ChannelWorker(box, box.settings.channels_poll_s)
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        worker.start()
        console.print(f"channels: {len(worker.handlers)} inbound, {len(worker.senders)} outbound connector(s) running")
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""
