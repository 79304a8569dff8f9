"""Live routing: the routing engine fed from the event log, its decisions applied through the use cases."""

from helpline.services.live_routing.router import ROUTER_ACTOR, LiveRouter

__all__ = ["ROUTER_ACTOR", "LiveRouter"]
