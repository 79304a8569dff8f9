"""The live router: feeds the routing engine the events committed to the log, by any process, and applies
its decisions through the use cases, so an offer is an ordinary `offered` event that reaches the agent.

Its own writes come back to it through the log; the translation below recognises them, and the engine
ignores stale inputs. The database stays the judge: an offer the use case refuses (the agent went not ready
a moment ago, another writer changed the interaction) is dropped and the engine is rebuilt from the
database shortly after, so the two cannot drift apart for long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from helpline.adapters.db.models import Agent
from helpline.domain.errors import DomainError
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import EventType, ExitReason, Role
from helpline.routing import Decision, Offer, OfferTimedOut, Overflowed, RoutingEngine
from helpline.services import lifecycle
from helpline.services.live_routing.feed import EventFeed, FedEvent
from helpline.services.live_routing.rebuild import rebuild
from helpline.services.live_routing.setup import agent_profile, channel_queue_id, moment, seconds, skill_codes
from helpline.services.schemas import ActionCommand, OfferCommand
from helpline.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
ROUTER_ACTOR = Actor(user_id=None, username="routing", role=Role.ADMIN)


class LiveRouter:
    def __init__(self, uow_factory: UnitOfWorkFactory, *, alert_timeout_s: float = 15.0, vip_boost: int = 10,
                 reject_holdoff_s: float = 10.0, refresh_s: float = 60.0, retry_rebuild_s: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._uow = uow_factory
        self._new_engine = partial(RoutingEngine, alert_timeout_s=alert_timeout_s, vip_boost=vip_boost,
                                   reject_holdoff_s=reject_holdoff_s)
        self.refresh_s = refresh_s  # queue, skill and certification changes reach routing within this
        self.retry_rebuild_s = retry_rebuild_s
        self._monotonic = monotonic
        self.engine = self._new_engine()
        self.feed = EventFeed(0)
        self._languages: frozenset[str] = frozenset()
        self._now = float("-inf")
        self._rebuild_at = float("inf")

    # -- the loop's two steps ----------------------------------------------------------------------------
    def start(self) -> None:
        """(Re)build the engine from the database and apply what it decides straight away."""
        self.engine = self._new_engine()
        with self._uow() as uow:
            session = uow.session
            if session.get_bind().dialect.name == "postgresql":  # one snapshot for the log end and the state
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            self.feed = EventFeed.at_log_end(session)  # read first: a change after it is replayed, not lost
            self._languages = skill_codes(session)
            now = uow.now()
            decisions = rebuild(self.engine, session, now, self._languages)
            self._now = max(self._now, seconds(now))
        self._rebuild_at = self._monotonic() + self.refresh_s
        self._apply(decisions)

    def run_once(self) -> int:
        """Feed the events committed since the last call, let due timers fire, apply the decisions.
        Returns the number of events read."""
        if self._monotonic() >= self._rebuild_at:
            self.start()
        with self._uow() as uow:
            events = self.feed.read(uow.session)
            decisions: list[Decision] = []
            for event in events:
                decisions += self._feed(uow.session, event)
            decisions += self.engine.tick(self._clock(uow.now()))
        self._apply(decisions)
        return len(events)

    def next_timer(self) -> datetime | None:
        """When a timer (alert, expansion step, hold-off) is next due, for the worker's wait."""
        due = self.engine.next_timer_at()
        return None if due is None else moment(due)

    # -- events in --------------------------------------------------------------------------------------
    def _clock(self, moment: datetime) -> float:
        """Engine time never goes back: an event reported late is fed at the current moment."""
        self._now = max(self._now, seconds(moment))
        return self._now

    def _feed(self, session: Session, e: FedEvent) -> list[Decision]:
        engine, at = self.engine, self._clock(e.occurred_at)
        kind = e.type
        iid = str(e.interaction_id)
        aid = str(e.agent_id)
        if kind in _AGENT_EVENTS:
            return self._presence(session, e, at) if e.agent_id is not None else []
        if kind in _CERTIFICATION_EVENTS:  # an exam passed, a certification suspended: re-read the agents now
            self._rebuild_at = min(self._rebuild_at, self._monotonic())
            return []
        if e.interaction_id is None:
            return []
        if kind == EventType.ENTERED_QUEUE:
            return self._entered_queue(e, iid, at)
        if kind in (EventType.OFFERED, EventType.ANSWERED) and e.agent_id is not None:
            queue = str(e.queue_id) if e.queue_id is not None else channel_queue_id(e.channel or "voice")
            return engine.interaction_assigned(
                iid, aid, at, queue, offered_at=at if kind == EventType.OFFERED else None, priority=e.priority,
                vip_tier=e.vip_tier, language=self._language(e))
        if kind == EventType.OFFER_REJECTED:
            return engine.offer_rejected(iid, aid, at)
        if kind == EventType.OFFER_NOT_ANSWERED:  # not ready first, so the agent is not offered it again
            return engine.agent_not_ready(aid, lifecycle.NO_ANSWER_REASON, at) + engine.offer_rejected(iid, aid, at)
        if kind == EventType.TRANSFERRED:
            return engine.interaction_left(iid, at) if "to_queue_id" in e.data else []
        if kind == EventType.COMPLETED:
            return engine.wrap_up_started(aid, iid, at)
        if kind == EventType.WRAP_UP_ENDED:
            return engine.wrap_up_ended(aid, iid, at) + engine.interaction_finished(iid, aid, at)
        if kind in (EventType.ABANDONED, EventType.EXITED):
            view = engine.interaction(iid)
            if kind == EventType.EXITED and e.data.get("reason") == ExitReason.OVERFLOW and view is not None \
                    and view.queue != str(e.queue_id):
                return []  # the engine's own overflow step, already applied
            return engine.interaction_left(iid, at)
        return []

    def _entered_queue(self, e: FedEvent, iid: str, at: float) -> list[Decision]:
        if e.queue_id is None or e.imported:
            return []
        view = self.engine.interaction(iid)
        out: list[Decision] = []
        if view is not None:
            if view.queue == str(e.queue_id):
                return out  # its own overflow, or a change already in the rebuilt state
            out += self.engine.interaction_left(iid, at)
        return out + self.engine.interaction_arrived(iid, str(e.queue_id), at, e.priority, e.vip_tier,
                                                     self._language(e))

    def _presence(self, session: Session, e: FedEvent, at: float) -> list[Decision]:
        aid, kind = str(e.agent_id), e.type
        if kind == EventType.AGENT_LOGGED_OUT:
            return self.engine.agent_logged_out(aid, at)
        out: list[Decision] = []
        if self.engine.agent(aid) is None:  # logged in: his skills as of now
            agent = session.get(Agent, e.agent_id)
            if agent is None:
                return out
            out += self.engine.agent_logged_in(agent_profile(agent, moment(at)), at)
        if kind == EventType.AGENT_READY:
            out += self.engine.agent_ready(aid, at)
        elif kind == EventType.AGENT_NOT_READY:
            out += self.engine.agent_not_ready(aid, e.data.get("reason") or "not_ready", at)
        return out

    def _language(self, e: FedEvent) -> str | None:
        return e.language if e.language in self._languages else None

    # -- decisions out ----------------------------------------------------------------------------------
    def _apply(self, decisions: list[Decision]) -> None:
        for d in decisions:
            try:
                with self._uow() as uow:
                    self._write(uow, d)
            except DomainError as refused:
                log.info("routing decision %s refused (%s); rebuilding from the database", d, refused)
                self._rebuild_at = min(self._rebuild_at, self._monotonic() + self.retry_rebuild_s)

    @staticmethod
    def _write(uow: UnitOfWork, d: Decision) -> None:
        if isinstance(d, Offer):
            lifecycle.offer(uow, ROUTER_ACTOR, int(d.interaction_id), OfferCommand(agent_id=int(d.agent_id)))
        elif isinstance(d, OfferTimedOut):
            lifecycle.reject(uow, ROUTER_ACTOR, int(d.interaction_id), ActionCommand(), no_answer=True)
        elif isinstance(d, Overflowed):
            lifecycle.overflow(uow, ROUTER_ACTOR, int(d.interaction_id), int(d.to_queue))
        # ExpansionApplied changes nothing stored; AgentSetNotReady is written by `reject` above


_CERTIFICATION_EVENTS = frozenset({EventType.CERTIFICATION_GRANTED, EventType.CERTIFICATION_SUSPENDED})
_AGENT_EVENTS = frozenset({EventType.AGENT_LOGGED_IN, EventType.AGENT_READY, EventType.AGENT_NOT_READY,
                           EventType.AGENT_LOGGED_OUT})
