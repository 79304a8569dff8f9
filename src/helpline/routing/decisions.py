"""What the engine decides. Each input returns the decisions it produced, in the order they were made."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Offer:
    interaction_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Overflowed:
    interaction_id: str
    from_queue: str
    to_queue: str
    at: float


@dataclass(frozen=True, slots=True)
class ExpansionApplied:
    interaction_id: str
    step_index: int
    at: float


@dataclass(frozen=True, slots=True)
class OfferTimedOut:
    interaction_id: str
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentSetNotReady:
    agent_id: str
    reason: str
    at: float


Decision = Offer | Overflowed | ExpansionApplied | OfferTimedOut | AgentSetNotReady


# The engine builds its decisions through the slot descriptors: the same frozen objects as the dataclass
# constructors make, at half the cost of a frozen dataclass's __init__ (object.__setattr__ per field).
_new = object.__new__


def _setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    return tuple(cls.__dict__[name].__set__ for name in names)


_offer_set = _setters(Offer, "interaction_id", "agent_id", "at")
_expansion_set = _setters(ExpansionApplied, "interaction_id", "step_index", "at")


def offer(interaction_id: str, agent_id: str, at: float) -> Offer:
    d: Offer = _new(Offer)
    set_interaction, set_agent, set_at = _offer_set
    set_interaction(d, interaction_id)
    set_agent(d, agent_id)
    set_at(d, at)
    return d


def expansion_applied(interaction_id: str, step_index: int, at: float) -> ExpansionApplied:
    d: ExpansionApplied = _new(ExpansionApplied)
    set_interaction, set_step, set_at = _expansion_set
    set_interaction(d, interaction_id)
    set_step(d, step_index)
    set_at(d, at)
    return d
