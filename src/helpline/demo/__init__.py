"""The demo insurer: RESO-Garantia's contact centres (with Balt Assistance's travel desk) and weeks of
history shaped by their published figures. `load_demo` is idempotent: what exists is kept, what is
missing is added, and a second load adds nothing."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from helpline.adapters.db.models import Agent, Case, Customer, Event, Interaction, Policy, Queue, Site, User
from helpline.demo.care import ensure_care
from helpline.demo.catalogue import DEMO_LOGINS
from helpline.demo.customers import customer_count, ensure_customers
from helpline.demo.help_articles import ensure_chat_channel, ensure_help_articles
from helpline.demo.history import history_exists, write_history
from helpline.demo.live import ensure_waiting
from helpline.demo.reference import ensure_reference
from helpline.demo.staff import agent_specs, ensure_staff
from helpline.services.unit_of_work import UnitOfWork

__all__ = ["DEMO_LOGINS", "DemoSummary", "load_demo"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """Row counts in the database after the load, and whether this load added anything."""

    created: bool
    sites: int
    queues: int
    agents: int
    users: int
    customers: int
    policies: int
    interactions: int
    events: int
    cases: int
    seconds: float


def load_demo(uow_factory: Callable[[], UnitOfWork], *, weeks: int = 8, scale: float = 1.0, seed: int = 2024,
              progress: Progress | None = None) -> DemoSummary:
    if weeks < 1 or scale <= 0:
        raise ValueError("weeks must be at least 1 and scale positive")
    started = time.perf_counter()
    report = progress or _silent
    specs = agent_specs(seed)
    with uow_factory() as uow:
        report("reference", 0, 1)
        refs = ensure_reference(uow)
        created = refs.created + ensure_staff(uow, refs, specs) + ensure_help_articles(uow)
        uow.commit()
        created += ensure_chat_channel(uow)
        report("reference", 1, 1)
    with uow_factory() as uow:
        report("customers", 0, 1)
        created += ensure_customers(uow, refs, count=customer_count(scale), seed=seed)
        uow.commit()
        report("customers", 1, 1)
    with uow_factory() as uow:
        if not history_exists(uow):
            created += write_history(uow, refs, specs, weeks=weeks, scale=scale, seed=seed, progress=progress)
            uow.commit()
    with uow_factory() as uow:
        report("care", 0, 1)
        created += ensure_care(uow)
        report("care", 1, 1)
    with uow_factory() as uow:
        created += ensure_waiting(uow)  # commits through the intake use case
    with uow_factory() as uow:
        return _summary(uow, created > 0, time.perf_counter() - started)


def _summary(uow: UnitOfWork, created: bool, seconds: float) -> DemoSummary:
    def count(model: type) -> int:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)

    return DemoSummary(created=created, sites=count(Site), queues=count(Queue), agents=count(Agent),
                       users=count(User), customers=count(Customer), policies=count(Policy),
                       interactions=count(Interaction), events=count(Event), cases=count(Case),
                       seconds=round(seconds, 2))


def _silent(_step: str, _done: int, _total: int) -> None:
    return None
