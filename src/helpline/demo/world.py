"""The state of the history simulation: the queues' specs, the operators who may take each queue,
the customers, the contacts waiting to happen and what has happened. Times are milliseconds."""

import random
from dataclasses import dataclass, field
from datetime import date

from helpline.demo.catalogue import QUEUES, QueueSpec
from helpline.demo.customers import Person
from helpline.demo.desk import Desk
from helpline.demo.records import CaseRec, Contact
from helpline.demo.roster import H

SPEC: dict[str, QueueSpec] = {q.code: q for q in QUEUES}
DAY = 24 * H
Eligible = list[tuple[Desk, int, int]]  # (desk, qualified from, qualified until)


@dataclass
class World:
    first_day: date
    days: int
    start: int  # local midnight of the first day
    end: int  # local midnight after the last day
    eligible: dict[str, Eligible]  # by queue code
    people: list[Person]
    scale: float
    rng: random.Random
    contacts: list[Contact] = field(default_factory=list)
    cases: list[CaseRec] = field(default_factory=list)
    open_cases: dict[tuple[int, str], CaseRec] = field(default_factory=dict)  # (customer id, topic) -> case
    pending: list[tuple[int, int, Contact]] = field(default_factory=list)  # a heap by arrival
    serial: int = 0
    mean_wait: dict[str, float] = field(default_factory=dict)  # the steered mean of sampled waits
    pools: dict[str, list[Person]] = field(default_factory=dict)
    on_duty: dict[str, dict[int, Eligible]] = field(default_factory=dict)  # queue -> day -> on duty that day
