"""One-row-per-interaction sources (the bank data set, a mapped CSV) share one record, and one way of
turning it into an interaction with its events. Pure."""

from dataclasses import dataclass

from helpline.adapters.importers.records import Call

ANSWERED, ABANDONED, NOT_OFFERED = "answered", "abandoned", "not_offered"


@dataclass(frozen=True)
class FlatCall:
    line_no: int
    key: str  # the interaction's idempotency key
    external_id: str
    received_ms: int
    outcome: str  # answered, abandoned, an ExitReason value, or not_offered (never entered a queue)
    queue: str | None = None  # queue code
    queue_name: str | None = None
    agent: str | None = None  # member name; None when the source names no one
    entered_ms: int | None = None  # None when not offered
    answered_ms: int | None = None
    ended_ms: int | None = None  # the conversation's end, or the moment the caller left the queue (or IVR)
    hold_s: float = 0.0
    wrap_s: float = 0.0
    channel: str = "voice"
    direction: str = "in"
    priority: int = 0
    topic: str = ""
    from_address: str | None = None


def build(flat: FlatCall, client_id: int, queue_ids: dict[str, int], agent_ids: dict[str, int]) -> Call:
    call = Call(key=flat.key, external_id=flat.external_id, client_id=client_id, received_ms=flat.received_ms,
                channel=flat.channel, direction=flat.direction, priority=flat.priority, topic=flat.topic,
                from_address=flat.from_address)
    call.arrive(flat.received_ms)
    if flat.outcome == NOT_OFFERED or flat.queue is None or flat.entered_ms is None:
        # It never entered a queue (the caller stayed in the IVR): no entered_queue, so no queue KPI counts
        # it; the row is `exited` (with no exit reason) so that nothing takes it for waiting work.
        call.state, call.ended_ms = "exited", flat.ended_ms
        return call
    call.enter_queue(flat.entered_ms, queue_ids[flat.queue], flat.priority)
    if flat.outcome == ANSWERED:
        assert flat.answered_ms is not None and flat.ended_ms is not None
        agent_id = agent_ids[flat.agent] if flat.agent else None
        call.answer(flat.answered_ms, flat.answered_ms, agent_id)
        call.complete(flat.ended_ms, hold_s=flat.hold_s, wrap_s=flat.wrap_s)
    else:
        assert flat.ended_ms is not None
        call.leave(flat.ended_ms, flat.outcome)
    return call
