"""`RoutingEngine`: the inputs. Each takes the moment `at` (float seconds, never decreasing) and returns the
decisions it produced. Stale inputs (an accept after the offer timed out, a finish from another agent, an
unknown id) change nothing and return no decision: the live service may see such events in races.

Every input starts with `_start`: time moves on, due certification boundaries apply first."""

from __future__ import annotations

from collections.abc import Iterable

from helpline.routing.decisions import Decision
from helpline.routing.model import RoutingError
from helpline.routing.presence import _Presence
from helpline.routing.state import ACTIVE, GONE, HOLDOFF, OFFERED, WAITING, WRAP_UP, Interaction, Queue


class RoutingEngine(_Presence):
    """Skills-based routing for every channel, pure and deterministic.

    alert_timeout_s: an offer not accepted within it times out on `tick` (agent set not ready, "no_answer").
    vip_boost: priority added per VIP tier. reject_holdoff_s: after a rejection the interaction is not
    offered to the same agent again until a `tick` at or after this many seconds (others are preferred).
    sl_first: True, or the set of agent sites, where an agent able to serve several queues takes the
    interaction closest to missing its queue's service-level threshold (after priority) instead of the oldest.
    """

    def __init__(self, *, alert_timeout_s: float = 15.0, vip_boost: int = 10, reject_holdoff_s: float = 10.0,
                 sl_first: bool | Iterable[str] = False) -> None:
        sites = sl_first if isinstance(sl_first, bool) else frozenset(
            [sl_first] if isinstance(sl_first, str) else sl_first)
        super().__init__(alert_timeout_s=alert_timeout_s, vip_boost=vip_boost, reject_holdoff_s=reject_holdoff_s,
                         sl_first=sites)

    def interaction_arrived(self, interaction_id: str, queue_id: str, at: float, priority: int = 0,
                            vip_tier: int = 0, language: str | None = None) -> list[Decision]:
        """`language`, when given, is required as a skill of that name (minimum proficiency 1)."""
        out = self._start(at)
        q = self._queues.get(queue_id)
        if q is None:
            raise RoutingError(f"unknown queue {queue_id}")
        self._admit(interaction_id, q, at, priority, vip_tier, language, out)
        return out

    # The inputs below look the interaction up by id and check the caller's agent id, then act on the record.
    # The simulation's driver (driver.py) keeps the records it was given and calls the record-level methods
    # directly, after `_advance`: the same code decides, without the look-ups.
    def _admit(self, interaction_id: str, q: Queue, at: float, priority: int, vip_tier: int, language: str | None,
               out: list[Decision]) -> Interaction:
        slots = q.lang_slots.get(language) or self._slots(q, language)
        rec = Interaction(interaction_id, at, self._seq + 1, priority, vip_tier, language, q, slots[0], self.vip_boost)
        if self._inters.setdefault(interaction_id, rec) is not rec:  # one look-up: known, or now added
            raise RoutingError(f"interaction {interaction_id} is already being routed")
        self._seq += 1
        self._place(rec, at, out)
        return rec

    def offer_accepted(self, interaction_id: str, agent_id: str, at: float) -> list[Decision]:
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None and rec.state == OFFERED and rec.agent is not None and rec.agent.id == agent_id:
            self._accept(rec)
        return out

    def _accept(self, rec: Interaction) -> None:
        rec.state = ACTIVE
        del self._pending[rec]

    def wrap_up_started(self, agent_id: str, interaction_id: str, at: float) -> list[Decision]:
        """The agent keeps the interaction's capacity slot until `wrap_up_ended`."""
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None and rec.agent is not None and rec.agent.id == agent_id:
            self._wrap_up(rec)
        return out

    def _wrap_up(self, rec: Interaction) -> None:
        if rec.state == WAITING or rec.state == GONE:
            return
        if rec.state == OFFERED:
            del self._pending[rec]
        rec.state = WRAP_UP

    def wrap_up_ended(self, agent_id: str, interaction_id: str, at: float) -> list[Decision]:
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None and rec.state == WRAP_UP and rec.agent is not None and rec.agent.id == agent_id:
            self._finish(rec, at, out)
        return out

    def _wrap_up_ended(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        if rec.state == WRAP_UP:
            self._finish(rec, at, out)

    def interaction_finished(self, interaction_id: str, agent_id: str, at: float) -> list[Decision]:
        """Frees the agent's slot, unless wrap-up has started: then `wrap_up_ended` frees it."""
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None and rec.agent is not None and rec.agent.id == agent_id:
            self._finished(rec, at, out)
        return out

    def _finished(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        if rec.state == ACTIVE:
            self._finish(rec, at, out)
        elif rec.state == OFFERED:
            del self._pending[rec]
            self._finish(rec, at, out)

    def interaction_left(self, interaction_id: str, at: float) -> list[Decision]:
        """Abandoned, withdrawn or timed out of the queue; also accepted for one already with an agent."""
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None:
            self._left(rec, at, out)
        return out

    def _left(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        a, state = rec.agent, rec.state
        if state == GONE:
            return
        self._forget(rec)
        if a is not None and state != WAITING:
            self._free_slot(a, rec, None if state == OFFERED else at)
            if a.ready:
                self._serve(a, at, out)

    def offer_rejected(self, interaction_id: str, agent_id: str, at: float) -> list[Decision]:
        """Back to its original place; the agent stays ready and may take the next one, not this one."""
        out = self._start(at)
        rec = self._inters.get(interaction_id)
        if rec is not None and rec.state == OFFERED and rec.agent is not None and rec.agent.id == agent_id:
            a = rec.agent
            self._free_slot(a, rec, None)
            self._seq += 1
            rec.rejecter = a
            rec.reject_token = self._seq
            self._holdoffs.append((at + self.reject_holdoff_s, self._seq, HOLDOFF, rec, self._seq))
            self._return(rec, at, out)
            if a.ready:
                self._serve(a, at, out)
        return out

    def interaction_assigned(self, interaction_id: str, agent_id: str, at: float, queue_id: str | None = None, *,
                             offered_at: float | None = None, priority: int = 0, vip_tier: int = 0,
                             language: str | None = None) -> list[Decision]:
        """Work given to an agent outside the engine: a supervisor's assignment, a transfer to an agent, a PBX
        connect, or work in progress found when the live service starts. The interaction leaves its queue (or
        its previous agent) and takes a slot of `agent_id`: live, or an offer in flight since `offered_at`
        (which times out like the engine's own). An interaction the engine does not know needs `queue_id`
        (its channel); work of an agent who is not logged in is not tracked."""
        out = self._start(at)
        a = self._agents.get(agent_id)
        rec = self._inters.get(interaction_id)
        if rec is None:
            q = self._queues.get(queue_id) if queue_id is not None else None
            if q is None or a is None:
                return out
            slots = q.lang_slots.get(language) or self._slots(q, language)
            self._seq += 1
            rec = Interaction(interaction_id, at, self._seq, priority, vip_tier, language, q, slots[0],
                              self.vip_boost)
            self._inters[interaction_id] = rec
        elif rec.agent is not None and rec.agent is a and rec.state != WAITING:
            if rec.state == OFFERED and offered_at is None:
                del self._pending[rec]
                rec.state = ACTIVE
            return out
        else:
            self._detach(rec, at, out)
            if a is None:
                self._forget(rec)
                return out
        self._occupy(rec, a, at)
        if offered_at is None:
            rec.state = ACTIVE
        else:
            rec.state = OFFERED
            self._seq += 1
            rec.alert_due = offered_at + self.alert_timeout_s
            rec.alert_seq = self._seq
            self._pending[rec] = None
            if len(self._pending) > 1:  # keep the dict in due order: the offer may be older than others
                in_due_order = sorted(self._pending, key=lambda r: (r.alert_due, r.alert_seq))
                self._pending.clear()
                self._pending.update(dict.fromkeys(in_due_order))
        return out

    def tick(self, at: float) -> list[Decision]:
        """Applies due expansion steps, offer time-outs and rejection hold-offs."""
        out = self._start(at)
        t, p, h = self._timers, self._pending, self._holdoffs
        if (t and t[0][0] <= at) or (p and next(iter(p)).alert_due <= at) or (h and h[0][0] <= at):
            self._run_timers(at, out)
        return out

    def _detach(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        """Take a known interaction out of its queue, or away from its agent (who may then take other work)."""
        if rec.ticket:
            rec.ticket = 0
            rec.slot.live -= 1
            return
        a, state = rec.agent, rec.state
        if a is None or state == WAITING:
            return
        if state == OFFERED:
            del self._pending[rec]
        self._free_slot(a, rec, None if state == OFFERED else at)
        rec.agent = None
        rec.state = WAITING
        if a.ready:
            self._serve(a, at, out)

    def _finish(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        a = rec.agent
        assert a is not None
        self._free_slot(a, rec, at)
        rec.state = GONE
        rec.agent = None
        del self._inters[rec.id]
        if a.ready:
            self._serve(a, at, out)
