"""What the routing engine is told about queues and agents.

Times are float seconds since an epoch of the caller's choosing: the engine never reads a clock and never
touches datetime on its hot path. `AgentSkill.from_held` converts the domain's datetime-based skills.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from helpline.domain.capacity import DEFAULT_CAPACITY
from helpline.domain.skills import HeldSkill
from helpline.domain.vocabulary import Channel

AgentChoice = Literal["best_proficiency", "longest_idle", "least_occupied", "round_robin"]
AGENT_CHOICES: tuple[AgentChoice, ...] = ("best_proficiency", "longest_idle", "least_occupied", "round_robin")


class RoutingError(ValueError):
    """A configuration or input the engine cannot accept (unknown queue, duplicate interaction, bad step)."""


@dataclass(frozen=True)
class ExpansionStep:
    """Applied to a waiting interaction `after_s` seconds after it entered its queue.

    Either relax proficiency minimums (`min_proficiency` replaces the minimum of the skills it names) and/or
    accept agents of any site, or move the interaction to another queue (it keeps its arrival time).
    """

    after_s: float
    min_proficiency: Mapping[str, int] | None = None
    any_site: bool = False
    move_to_queue: str | None = None

    def __post_init__(self) -> None:
        if not self.after_s > 0:
            raise RoutingError("an expansion step applies after a positive number of seconds")
        if self.move_to_queue is not None and (self.min_proficiency or self.any_site):
            raise RoutingError("a step either moves the interaction or relaxes the rule, not both")
        if self.move_to_queue is None and self.min_proficiency is None and not self.any_site:
            raise RoutingError("an expansion step must relax a minimum, open other sites or move the interaction")


@dataclass(frozen=True)
class QueueConfig:
    id: str
    channel: Channel | str
    site: str | None = None
    priority: int = 0
    sl_threshold_s: float = 20.0
    sl_target: float = 0.8
    required_skills: Mapping[str, int] = field(default_factory=dict)
    expansion: tuple[ExpansionStep, ...] = ()
    agent_choice: AgentChoice = "best_proficiency"

    def __post_init__(self) -> None:
        Channel(self.channel)  # raises ValueError on an unknown channel
        if self.agent_choice not in AGENT_CHOICES:
            raise RoutingError(f"unknown agent choice {self.agent_choice!r}")
        times = [step.after_s for step in self.expansion]
        if times != sorted(set(times)):
            raise RoutingError("expansion steps must come in strictly increasing order of time")
        for step in self.expansion:
            unknown = set(step.min_proficiency or ()) - set(self.required_skills)
            if unknown:
                raise RoutingError(f"step relaxes skills the queue does not require: {sorted(unknown)}")
            if step.move_to_queue == self.id:
                raise RoutingError("a queue cannot overflow into itself")


@dataclass(frozen=True)
class AgentSkill:
    """A held skill: proficiency, and the certification window `certified_from <= at < certified_until`."""

    proficiency: int
    certified_from: float | None = None
    certified_until: float | None = None
    requires_certification: bool = True

    def certified_at(self, at: float) -> bool:
        if not self.requires_certification:
            return True
        if self.certified_from is None or self.certified_from > at:
            return False
        return self.certified_until is None or at < self.certified_until

    @classmethod
    def from_held(cls, held: HeldSkill, epoch: datetime) -> AgentSkill:
        def seconds(moment: datetime | None) -> float | None:
            return None if moment is None else (moment - epoch).total_seconds()

        return cls(held.proficiency, seconds(held.certified_at), seconds(held.certification_expires_at),
                   held.requires_certification)


@dataclass(frozen=True)
class AgentProfile:
    id: str
    site: str | None = None
    skills: Mapping[str, AgentSkill] = field(default_factory=dict)
    capacity: Mapping[str, int] = field(default_factory=dict)  # per channel, over DEFAULT_CAPACITY

    def capacity_by_channel(self) -> dict[str, int]:
        merged = {str(Channel(ch).value): n for ch, n in DEFAULT_CAPACITY.items()}
        merged.update({str(Channel(ch).value): n for ch, n in self.capacity.items()})
        return merged
