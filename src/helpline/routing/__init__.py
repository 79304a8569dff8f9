"""Skills-based routing: a pure, deterministic engine shared by live operation and simulation.

No database, web framework or clock: time arrives with every input as float seconds since the caller's
epoch. See `RoutingEngine` for the inputs and `decisions` for what comes out.
"""

from helpline.routing.decisions import AgentSetNotReady, Decision, ExpansionApplied, Offer, OfferTimedOut, Overflowed
from helpline.routing.engine import RoutingEngine
from helpline.routing.model import AgentChoice, AgentProfile, AgentSkill, ExpansionStep, QueueConfig, RoutingError
from helpline.routing.views import AgentView, InteractionView, Snapshot

__all__ = [
    "AgentChoice", "AgentProfile", "AgentSetNotReady", "AgentSkill", "AgentView", "Decision", "ExpansionApplied",
    "ExpansionStep", "InteractionView", "Offer", "OfferTimedOut", "Overflowed", "QueueConfig", "RoutingEngine",
    "RoutingError", "Snapshot",
]
