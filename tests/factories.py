"""Factories that build valid records with sensible defaults; each call commits its own transaction."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from itertools import count
from typing import Any

from helpline.adapters.db import models as m
from helpline.bootstrap import Container
from helpline.domain.permissions import Actor
from helpline.services import auth
from helpline.services.unit_of_work import UnitOfWork

_serial = count(1)
DEFAULT_PASSWORD = "password123"


@cache
def _hash_of(password: str) -> str:
    """Argon2 is slow on purpose; one real hash per distinct password keeps the suite fast."""
    return auth.hash_password(password)


class Factories:
    def __init__(self, container: Container, clock: Callable[[], datetime]) -> None:
        self.container = container
        self.clock = clock

    def _save(self, record: Any) -> Any:
        with self.container.uow() as uow:
            uow.session.add(record)
            uow.commit()
        return record

    def site(self, name: str | None = None, **kw: Any) -> m.Site:
        return self._save(m.Site(name=name or f"Site {next(_serial)}", **kw))

    def client(self, code: str | None = None, **kw: Any) -> m.Client:
        code = code or f"client{next(_serial)}"
        return self._save(m.Client(code=code, name=kw.pop("name", code.title()), **kw))

    def skill(self, code: str | None = None, requires_certification: bool = True) -> m.Skill:
        code = code or f"skill{next(_serial)}"
        return self._save(m.Skill(code=code, name=code, requires_certification=requires_certification))

    def queue(self, *, client: m.Client | None = None, site: m.Site | None = None, channel: str = "voice",
              skills: dict[m.Skill, int] | None = None, **kw: Any) -> m.Queue:
        client = client or self.client()
        code = kw.pop("code", f"q{next(_serial)}")
        queue = m.Queue(code=code, name=kw.pop("name", code), client_id=client.id,
                        site_id=site.id if site else None, channel=channel, **kw)
        queue.required_skills = [m.QueueSkill(skill_id=s.id, min_proficiency=p) for s, p in (skills or {}).items()]
        return self._save(queue)

    def user(self, role: str = "agent", *, username: str | None = None, password: str = DEFAULT_PASSWORD,
             sites: list[m.Site] | None = None) -> m.User:
        with self.container.uow() as uow:
            user = auth.create_user(uow, username=username or f"{role}{next(_serial)}", role=role,
                                    password=None, site_ids=[s.id for s in sites or []])
            user.password_hash = _hash_of(password)
            uow.commit()
        return user

    def agent(self, *, site: m.Site | None = None, user: m.User | None = None,
              skills: dict[m.Skill, int] | None = None, certified: bool = True,
              presence: str = "logged_out", capacities: dict[str, int] | None = None) -> m.Agent:
        site = site or self.site()
        user = user or self.user("agent")
        n = next(_serial)
        now = self.clock()
        agent = m.Agent(user_id=user.id, employee_no=f"E{n:05d}", display_name=f"Agent {n}", site_id=site.id,
                        presence=presence, presence_since=now)
        for skill, proficiency in (skills or {}).items():
            agent.skills.append(m.AgentSkill(skill_id=skill.id, proficiency=proficiency))
            if certified:
                agent.certifications.append(m.Certification(
                    skill_id=skill.id, passed_at=now - timedelta(days=30), expires_at=now + timedelta(days=365)))
        agent.capacities = [m.AgentCapacity(channel=c, capacity=n) for c, n in (capacities or {}).items()]
        return self._save(agent)

    def customer(self, name: str = "Ivan Petrov", *, phones: list[str] | None = None,
                 emails: list[str] | None = None, client: m.Client | None = None, vip_tier: int = 0,
                 language: str | None = None) -> m.Customer:
        customer = m.Customer(full_name=name, client_id=client.id if client else None, vip_tier=vip_tier,
                              created_at=self.clock())
        if language is not None:
            customer.language = language
        customer.phones = [m.CustomerPhone(phone=p) for p in phones or []]
        customer.emails = [m.CustomerEmail(email=e.lower()) for e in emails or []]
        return self._save(customer)

    def policy(self, customer: m.Customer, client: m.Client, number: str | None = None,
               product_line: str = "osago", **kw: Any) -> m.Policy:
        return self._save(m.Policy(customer_id=customer.id, client_id=client.id, product_line=product_line,
                                   number=number or f"XXX{next(_serial):010d}", **kw))

    def wrap_up_code(self, code: str = "resolved", name: str = "Resolved") -> m.WrapUpCode:
        return self._save(m.WrapUpCode(code=code, name=name))

    def not_ready_reason(self, code: str = "break", name: str = "Break", paid: bool = True) -> m.NotReadyReason:
        return self._save(m.NotReadyReason(code=code, name=name, paid=paid))

    def actor(self, user: m.User) -> Actor:
        with self.container.uow() as uow:
            return auth.actor_for_user(uow, uow.session.get(m.User, user.id))

    def token(self, user: m.User) -> str:
        with self.container.uow() as uow:
            return auth.issue_token(uow, user.username)

    def uow(self) -> UnitOfWork:
        return self.container.uow()
