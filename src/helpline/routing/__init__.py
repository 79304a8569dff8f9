"""Skills-based routing: a pure, deterministic engine shared by live operation and simulation.

No database, web framework or clock: time arrives with every input as float seconds since the caller's
epoch. See `RoutingEngine` for the inputs and `decisions` for what comes out.

The engine's modules are compiled with mypyc when the package is built where a C compiler is present
(setup.py); `_build` decides, before they are imported, whether the compiled modules or the sources load.
"""

from helpline.routing import _build  # noqa: F401  (first: it chooses the build the imports below load)
from helpline.routing.decisions import AgentSetNotReady, Decision, ExpansionApplied, Offer, OfferTimedOut, Overflowed
from helpline.routing.engine import RoutingEngine
from helpline.routing.model import AgentChoice, AgentProfile, AgentSkill, ExpansionStep, QueueConfig, RoutingError
from helpline.routing.views import AgentView, InteractionView, Snapshot

__all__ = [
    "AgentChoice", "AgentProfile", "AgentSetNotReady", "AgentSkill", "AgentView", "Decision", "ExpansionApplied",
    "ExpansionStep", "InteractionView", "Offer", "OfferTimedOut", "Overflowed", "QueueConfig", "RoutingEngine",
    "RoutingError", "Snapshot",
]
