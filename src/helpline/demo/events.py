"""The event log rows for the simulated history, in the order and shape live operation appends them
(services.intake, services.lifecycle, services.presence): case_opened and received on arrival,
entered_queue, offered, answered (wait_s), the case moving from new to open on its first answer,
held/resumed, completed, wrap_up_ended (wrap_up_code, talk_s, hold_s, wrap_s) or abandoned (wait_s);
presence changes."""

from collections.abc import Iterable, Iterator
from typing import Any

from helpline.demo.bulk import Writer
from helpline.demo.records import Contact
from helpline.domain.vocabulary import EventType as T

EVENT_COLUMNS = ("type", "occurred_at", "recorded_at", "interaction_id", "case_id", "agent_id", "queue_id",
                 "actor_user_id", "data")


class EventLog:
    """Collects events with the millisecond they happened and hands them back in that order."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []

    def add(self, ms: int, type_: T, *, interaction_id: int | None = None, case_id: int | None = None,
            agent_id: int | None = None, queue_id: int | None = None, actor: int | None = None,
            data: dict[str, Any] | None = None) -> None:
        self.items.append((ms, len(self.items), type_.value, interaction_id, case_id, agent_id, queue_id, actor,
                           data or {}))

    def rows(self, writer: Writer) -> Iterator[tuple[Any, ...]]:
        """Rows for EVENT_COLUMNS, in the order the events happened (recorded when they happened)."""
        self.items.sort(key=lambda item: (item[0], item[1]))
        for ms, _order, type_, interaction_id, case_id, agent_id, queue_id, actor, data in self.items:
            moment = writer.ms(ms)
            yield (type_, moment, moment, interaction_id, case_id, agent_id, queue_id, actor, writer.json(data))


def contact_events(log: EventLog, c: Contact, *, queue_id: int, channel: str, pbx: int | None) -> None:
    case = c.case
    assert case is not None
    case_id, iid = case.id, c.id
    agent_actor = c.agent_user_id
    reporter = pbx if channel == "voice" else agent_actor  # a PBX reports calls; digital work is the agent's
    if c.case_is_new:
        log.add(c.received, T.CASE_OPENED, case_id=case_id, actor=pbx, data={"type": case.type})
    log.add(c.received, T.RECEIVED, interaction_id=iid, case_id=case_id, actor=pbx,
            data={"channel": channel, "direction": "in"})
    priority = 5 if c.person is not None and c.person.vip_tier else 0
    log.add(c.queued, T.ENTERED_QUEUE, interaction_id=iid, case_id=case_id, queue_id=queue_id, actor=pbx,
            data={"priority": priority} if priority else {})
    if c.abandoned is not None:
        log.add(c.abandoned, T.ABANDONED, interaction_id=iid, case_id=case_id, queue_id=queue_id, actor=pbx,
                data={"wait_s": round(c.wait_ms / 1000, 3)})
        return
    assert c.offered is not None and c.answered is not None and c.ended is not None and c.completed is not None
    common: dict[str, Any] = {"interaction_id": iid, "case_id": case_id, "queue_id": queue_id, "agent_id": c.agent_id}
    log.add(c.offered, T.OFFERED, actor=reporter, **common)
    log.add(c.answered, T.ANSWERED, actor=reporter, data={"wait_s": round(c.wait_ms / 1000, 3)}, **common)
    if c.opened_case:
        log.add(c.answered, T.CASE_STATUS_CHANGED, case_id=case_id, actor=reporter,
                data={"from": "new", "to": "open", "reason": "answered"})
    for held, resumed in c.holds:
        log.add(held, T.HELD, actor=agent_actor, **common)
        log.add(resumed, T.RESUMED, actor=agent_actor, **common)
    log.add(c.ended, T.COMPLETED, actor=reporter, **common)
    hold_ms = sum(resumed - held for held, resumed in c.holds)
    measures = {"talk_s": round((c.ended - c.answered - hold_ms) / 1000, 3), "hold_s": round(hold_ms / 1000, 3),
                "wrap_s": round((c.completed - c.ended) / 1000, 3)}
    log.add(c.completed, T.WRAP_UP_ENDED, actor=agent_actor, data={"wrap_up_code": c.scenario.wrap_up_code,
                                                                    **measures}, **common)
    if c.opened_case and case.resolved is not None:
        log.add(case.resolved, T.CASE_STATUS_CHANGED, case_id=case_id, actor=case.resolver_user_id,
                data={"from": "open", "to": "resolved"})


def presence_events(log: EventLog, agent_id: int, user_id: int | None,
                    presence: Iterable[tuple[int, T, str | None]]) -> None:
    for ms, type_, reason in presence:
        log.add(ms, type_, agent_id=agent_id, actor=user_id, data={"reason": reason} if reason else {})
