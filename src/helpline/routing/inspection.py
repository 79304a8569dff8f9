"""The engine's read-only queries: copies of its state as the dataclasses of `views`."""

from __future__ import annotations

from helpline.domain.vocabulary import PresenceState
from helpline.routing.eligibility import _Eligibility
from helpline.routing.state import OFFERED, STATE_NAMES, WAITING, Agent, Interaction
from helpline.routing.views import AgentView, InteractionView, Snapshot


class _Views(_Eligibility):
    def waiting(self, queue_id: str) -> list[str]:
        q = self._queues[queue_id]
        recs = [rec for slots in q.lang_slots.values() for s in slots for rec in s.waiting.live()]
        return [rec.id for rec in sorted(recs, key=lambda rec: (rec.neg_prio, rec.arrival, rec.seq))]

    def offers(self) -> dict[str, str]:
        return {rec.id: rec.agent.id for rec in self._inters.values() if rec.agent is not None and rec.state == OFFERED}

    def agent(self, agent_id: str) -> AgentView | None:
        a = self._agents.get(agent_id)
        return None if a is None else self._agent_view(a)

    def interaction(self, interaction_id: str) -> InteractionView | None:
        rec = self._inters.get(interaction_id)
        return None if rec is None else self._interaction_view(rec)

    def snapshot(self) -> Snapshot:
        return Snapshot({q: tuple(self.waiting(q)) for q in self._queues}, self.offers(),
                        {a.id: self._agent_view(a) for a in self._agents.values()})

    def next_timer_at(self) -> float | None:
        """When `tick` next has something to do (possibly a timer that turns out to be stale)."""
        heads = [line[0][0] for line in (self._timers, self._holdoffs) if line]
        heads += [next(iter(self._pending)).alert_due] if self._pending else []
        return min(heads) if heads else None

    @property
    def queue_ids(self) -> list[str]:
        return list(self._queues)

    @staticmethod
    def _agent_view(a: Agent) -> AgentView:
        state = PresenceState.READY if a.ready else PresenceState.NOT_READY
        eligible = tuple((s.queue.id, s.tier, s.lang) for ch in a.channels for s in a.wslots[ch])
        return AgentView(a.id, a.site, state, a.reason, {ch: n for ch, n in a.used().items() if n},
                         tuple(rec.id for rec in a.items), eligible)

    @staticmethod
    def _interaction_view(rec: Interaction) -> InteractionView:
        agent = rec.agent.id if rec.agent is not None and rec.state != WAITING else None
        return InteractionView(rec.id, rec.queue.id, rec.tier, rec.lang, STATE_NAMES[rec.state], agent,
                               rec.arrival, -rec.neg_prio)
