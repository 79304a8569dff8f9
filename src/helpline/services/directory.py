"""Names for the ids that records carry (agents, queues, customers, sites), and the signed-in user's profile.

Callers pass ids taken from records the actor may already see; this module adds no record of its own."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from helpline.adapters.db.models import Agent, Customer, Queue, Site, User
from helpline.domain.errors import NotFound
from helpline.domain.permissions import Actor
from helpline.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Profile:
    username: str
    full_name: str
    language: str


@dataclass(frozen=True)
class Names:
    agents: dict[int, str] = field(default_factory=dict)
    queues: dict[int, str] = field(default_factory=dict)
    customers: dict[int, str] = field(default_factory=dict)
    sites: dict[int, str] = field(default_factory=dict)


def profile(uow: UnitOfWork, actor: Actor) -> Profile:
    user = uow.session.get(User, actor.user_id)
    if user is None:
        raise NotFound("user", actor.user_id)
    return Profile(username=user.username, full_name=user.full_name, language=user.language)


def set_language(uow: UnitOfWork, actor: Actor, language: str) -> None:
    """The language a person's pages (and messages to them) use from now on, chosen by themselves."""
    user = uow.session.get(User, actor.user_id)
    if user is None:
        raise NotFound("user", actor.user_id)
    user.language = language
    uow.commit()


def names(uow: UnitOfWork, *, agent_ids: Iterable[int | None] = (), queue_ids: Iterable[int | None] = (),
          customer_ids: Iterable[int | None] = (), site_ids: Iterable[int | None] = ()) -> Names:
    def lookup(id_column: InstrumentedAttribute[int], name_column: InstrumentedAttribute[str],
               ids: Iterable[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = uow.session.execute(select(id_column, name_column).where(id_column.in_(wanted)))
        return {key: name for key, name in rows}

    return Names(agents=lookup(Agent.id, Agent.display_name, agent_ids),
                 queues=lookup(Queue.id, Queue.name, queue_ids),
                 customers=lookup(Customer.id, Customer.full_name, customer_ids),
                 sites=lookup(Site.id, Site.name, site_ids))
