"""What the history simulation produces: contacts (future interactions) and cases, in milliseconds."""

from dataclasses import dataclass, field
from typing import Any

from helpline.demo.customers import Person
from helpline.demo.profile import Scenario


@dataclass(eq=False)
class CaseRec:
    client: str
    person: Person | None
    policy_id: int | None
    queue: str  # the queue of the contact that opened it (its site is the case's site)
    type: str
    topic: str
    subject: str
    product_line: str | None
    priority: str
    created: int
    details: dict[str, Any] = field(default_factory=dict)
    status: str = "new"
    opened: int | None = None  # new -> open (the first answer, which is also the first response)
    resolved: int | None = None
    agent_id: int | None = None
    resolver_user_id: int | None = None
    updated: int = 0
    id: int = 0  # assigned at insert


@dataclass(eq=False)
class Contact:
    n: int  # creation order, the tie-break between equal times
    queue: str
    received: int
    person: Person | None
    scenario: Scenario
    product_line: str | None
    follow_up: bool = False
    queued: int = 0
    offered: int | None = None
    answered: int | None = None
    ended: int | None = None
    completed: int | None = None
    abandoned: int | None = None
    agent_id: int | None = None
    agent_user_id: int | None = None
    holds: list[tuple[int, int]] = field(default_factory=list)
    case: CaseRec | None = None
    case_is_new: bool = False
    opened_case: bool = False  # its answer moved the case from new to open
    id: int = 0  # assigned at insert

    @property
    def topic(self) -> str:
        return f"{self.product_line or 'general'}.{self.scenario.key}"

    @property
    def wait_ms(self) -> int:
        return (self.answered if self.answered is not None else self.abandoned or self.queued) - self.queued
