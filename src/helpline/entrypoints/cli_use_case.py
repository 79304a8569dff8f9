"""Running one use case from the command line (`helpline complaints ...`, `helpline quality ...`): in a unit of
work of its own, optionally as at a fixed moment (--at), printing a refusal and exiting with status 2."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from helpline.domain.errors import DomainError
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role

if TYPE_CHECKING:
    from helpline.bootstrap import Container
    from helpline.services.unit_of_work import UnitOfWork

T = TypeVar("T")

OPERATOR = Actor(user_id=None, username="cli", role=Role.ADMIN)  # whoever can run the CLI reads the database
errors = Console(stderr=True)


def moment(at: str | None) -> datetime | None:
    """--at as an aware date-time; a bad value is printed and exits with status 2."""
    if at is None:
        return None
    try:
        parsed = datetime.fromisoformat(at)
    except ValueError:
        errors.print(f"[red]error:[/red] --at {at!r} is not an ISO 8601 date-time with an offset")
        raise typer.Exit(2) from None
    if parsed.tzinfo is None:
        errors.print("[red]error:[/red] --at needs an offset (2026-05-01T09:00+03:00)")
        raise typer.Exit(2)
    return parsed


def _box(at: str | None) -> Container:
    from helpline.bootstrap import bootstrap
    from helpline.entrypoints.cli import load_settings

    fixed = moment(at)
    return bootstrap(load_settings(), clock=lambda: fixed) if fixed is not None else bootstrap(load_settings())


def run_use_case(at: str | None, work: Callable[[UnitOfWork], T]) -> T:
    """One use case in a unit of work, as at --at; a refusal is printed and exits with status 2."""
    box = _box(at)
    try:
        with box.uow() as uow:
            return work(uow)
    except DomainError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        box.close()
