"""The staffing plan: a forecast of contacts per queue and interval → agents needed per queue and interval
(Erlang C, or Erlang A where customers abandon) → agents needed per skill group (site, skill) → agents to
schedule after shrinkage, which is what the shift scheduler (wfm/schedule.py) covers.

Channels. Voice uses the queue's own target (80 % within 20 s, say). Chat and e-mail use the same
formulas with their long targets (Pulse: 80 % within 15 minutes), which is where Erlang A must be right.

Chat concurrency k (an agent handles k chats at once) divides the chat workload by k: each agent is
counted as k *slots*, the queue is solved for slots (each busy for the chat's whole handling time, the AHT
measured while agents work concurrently) and agents = ⌈slots ÷ k⌉. That is the queue Helpline's routing
runs (a chat waits for any free slot). The approximation: a slot is treated as an independent server, so
the slowing of an agent as more chats arrive must already be in the AHT. E-mail is usually k = 1 with a
target of hours.

Shrinkage (absence, training, meetings — the paid time not on the phones that the schedule does not already
plan; the scheduler places breaks itself) turns agents needed into agents to schedule, per skill group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from helpline.domain.opening_hours import WEEKDAYS, parse_time
from helpline.wfm.erlang import agents_needed, scheduled_agents

MODELS = ("c", "a")
DEFAULT_SITE = "main"  # the same default as wfm/schedule.py


@dataclass(frozen=True)
class QueueParams:
    """How one queue is staffed. `model` "c" (Erlang C) or "a" (Erlang A, needs `patience_s`)."""

    queue: str
    aht_s: float
    channel: str = "voice"
    model: str = "c"
    patience_s: float | None = None
    service_level: float | None = 0.8
    answer_within_s: float | None = 20.0
    max_asa_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None
    concurrency: int = 1
    skill: str | None = None  # the skill group it belongs to; None: the queue's own code
    site: str = DEFAULT_SITE
    hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)  # empty: 24/7

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"queue {self.queue}: model must be one of {', '.join(MODELS)}, not {self.model!r}")
        if self.model == "a" and not self.patience_s:
            raise ValueError(f"queue {self.queue}: Erlang A needs patience_s")
        if self.aht_s <= 0 or self.concurrency < 1:
            raise ValueError(f"queue {self.queue}: aht_s must be positive and concurrency at least 1")

    @property
    def group(self) -> tuple[str, str]:
        return self.site, self.skill or self.queue


@dataclass(frozen=True)
class StaffingPlan:
    interval_starts: tuple[datetime, ...]
    interval_s: int
    queues: tuple[str, ...]
    calls: np.ndarray  # per queue and interval
    agents: np.ndarray  # agents needed (on the phones) per queue and interval
    groups: tuple[tuple[str, str], ...]  # (site, skill)
    group_agents: np.ndarray  # agents needed per group and interval
    required: np.ndarray  # agents to schedule per group and interval (after shrinkage)
    shrinkage: float


def queue_agents(params: QueueParams, calls: np.ndarray, interval_s: float) -> np.ndarray:
    """Agents needed in each interval for this queue (0 where no contact is expected)."""
    options: dict[str, Any] = {"patience_s": params.patience_s if params.model == "a" else None,
                               "service_level": params.service_level, "answer_within_s": params.answer_within_s,
                               "max_asa_s": params.max_asa_s, "max_abandon": params.max_abandon,
                               "max_occupancy": params.max_occupancy}
    slots = np.asarray(agents_needed(params.model, np.asarray(calls, dtype=float), interval_s, params.aht_s,
                                     **options), dtype=np.int64)
    if params.concurrency == 1:
        return slots
    return -(-slots // params.concurrency)  # ⌈slots ÷ k⌉


def open_mask(hours: Mapping[str, Sequence[Sequence[str]]], starts: Sequence[datetime]) -> np.ndarray:
    """Whether each interval starts inside the opening hours, read on its own wall clock."""
    if not hours:
        return np.ones(len(starts), dtype=bool)
    spans = {day: [(parse_time(a), parse_time(b)) for a, b in hours.get(day, [])] for day in WEEKDAYS}
    return np.array([any(a <= s.time() < b for a, b in spans[WEEKDAYS[s.weekday()]]) for s in starts], dtype=bool)


def plan(forecast: Mapping[str, np.ndarray], params: Mapping[str, QueueParams], interval_starts: Sequence[datetime],
         interval_s: int, shrinkage: float = 0.0) -> StaffingPlan:
    """The staffing plan of every forecast queue; a queue without parameters raises ValueError."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    queues = tuple(sorted(forecast))
    if missing := [q for q in queues if q not in params]:
        raise ValueError(f"no parameters for queue(s) {', '.join(missing)}")
    calls = np.array([np.asarray(forecast[q], dtype=float) for q in queues]).reshape(len(queues), -1)
    agents = np.zeros(calls.shape, dtype=np.int64)
    for i, queue in enumerate(queues):
        agents[i] = queue_agents(params[queue], calls[i], interval_s)
        agents[i][~open_mask(params[queue].hours, interval_starts)] = 0
    groups = tuple(sorted({params[q].group for q in queues}))
    group_agents = np.zeros((len(groups), calls.shape[1]), dtype=np.int64)
    for i, queue in enumerate(queues):
        group_agents[groups.index(params[queue].group)] += agents[i]
    required = np.asarray(scheduled_agents(group_agents, shrinkage), dtype=np.int64).reshape(group_agents.shape)
    return StaffingPlan(tuple(interval_starts), interval_s, queues, calls, agents, groups, group_agents, required,
                        shrinkage)
