"""Read-only copies of the engine's state for tests, the wallboard and the service's start-up checks.

Plain Python dataclasses in every build: `inspection` (compiled with the engine when built with mypyc) makes them."""

from __future__ import annotations

from dataclasses import dataclass

from helpline.domain.vocabulary import PresenceState


@dataclass(frozen=True)
class AgentView:
    id: str
    site: str | None
    state: PresenceState
    reason: str | None
    used: dict[str, int]  # slots in use per channel (offers, live and wrap-up), zero channels left out
    interactions: tuple[str, ...]
    eligible: tuple[tuple[str, int, str | None], ...]  # (queue, tier, language) lines he may serve now


@dataclass(frozen=True)
class InteractionView:
    id: str
    queue: str
    tier: int  # expansion steps applied in the current queue
    language: str | None
    state: str  # waiting, offered, active, wrap_up
    agent: str | None
    arrival: float
    effective_priority: int


@dataclass(frozen=True)
class Snapshot:
    waiting: dict[str, tuple[str, ...]]  # per queue, in the order they will be served
    offers: dict[str, str]  # interaction -> agent, offers in flight
    agents: dict[str, AgentView]
