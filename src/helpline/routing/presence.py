"""Agent presence and queue configuration inputs (rare, so written for clarity rather than speed)."""

from __future__ import annotations

from helpline.routing.decisions import Decision
from helpline.routing.inspection import _Views
from helpline.routing.model import AgentProfile, QueueConfig, RoutingError
from helpline.routing.state import OFFERED, Agent


class _Presence(_Views):
    def _start(self, at: float) -> list[Decision]:
        """Every input starts so: time moves to `at`, due certification boundaries apply first."""
        out: list[Decision] = []
        self._advance(at, out)
        return out

    def _advance(self, at: float, out: list[Decision]) -> None:
        if at < self._now:
            self._backwards(at)
        self._now = at
        if self._certs and self._certs[0][0] <= at:
            self._cross_certifications(at, out)

    def _backwards(self, at: float) -> None:
        raise RoutingError(f"time went backwards: {at} after {self._now}")

    def configure_queue(self, q: QueueConfig, at: float | None = None) -> list[Decision]:
        """Add a queue, or replace the configuration of one that holds no interaction."""
        out = [] if at is None else self._start(at)
        self._install_queue(q)
        return out

    def agent_logged_in(self, profile: AgentProfile, at: float, ready: bool = False) -> list[Decision]:
        """Logged in and not ready (reason "logged_in"), unless `ready`."""
        out = self._start(at)
        old = self._agents.get(profile.id)
        if old is not None:
            self._logout(old, at, out)
        self._seq += 1
        sl_first = self._sl_first if isinstance(self._sl_first, bool) else profile.site in self._sl_first
        a = Agent(profile, self._seq, at, sl_first)
        self._agents[a.id] = a
        self._track_certifications(a, at)
        self._compute_targets(a, at)
        if ready:
            self._make_ready(a, at, out)
        return out

    def agent_ready(self, agent_id: str, at: float) -> list[Decision]:
        out = self._start(at)
        a = self._agents.get(agent_id)
        if a is not None and not a.ready:
            self._make_ready(a, at, out)
        return out

    def agent_not_ready(self, agent_id: str, reason: str, at: float) -> list[Decision]:
        out = self._start(at)
        a = self._agents.get(agent_id)
        if a is not None:
            a.ready = False  # his heap entries are dropped when reached
            a.reason = reason
        return out

    def agent_logged_out(self, agent_id: str, at: float) -> list[Decision]:
        """Offers in flight go back to their places; his live interactions are no longer tracked."""
        out = self._start(at)
        a = self._agents.get(agent_id)
        if a is not None:
            self._logout(a, at, out)
        return out

    def _make_ready(self, a: Agent, at: float, out: list[Decision]) -> None:
        a.ready = True
        a.reason = None
        a.idle_since = at
        self._serve(a, at, out)

    def _logout(self, a: Agent, at: float, out: list[Decision]) -> None:
        del self._agents[a.id]
        a.ready = False
        a.reason = None
        a.epoch += 1
        self._drop_targets(a)
        returning = []
        for rec in list(a.items):
            if rec.state == OFFERED:
                returning.append(rec)
            else:
                self._forget(rec)
        a.items.clear()
        for rec in returning:  # a step due meanwhile moves it first: the order below is by its new key
            self._take_back(rec, at, out)
        for rec in sorted(returning, key=lambda r: (r.neg_prio, r.arrival, r.seq)):
            self._place(rec, at, out)
