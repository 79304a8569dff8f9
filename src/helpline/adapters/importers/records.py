"""An interaction being imported, with the events it gains, in the shape live operation writes them
(docs/architecture.md, "The event log"). Times are integer milliseconds since the Unix epoch, UTC:
cheap to compare and sort, and what `helpline.demo.bulk.Writer.ms` converts for bulk inserts."""

from dataclasses import dataclass, field
from typing import Any

from helpline.domain.vocabulary import EventType as T


@dataclass
class EventDraft:
    ms: int
    type: T
    call: "Call | None"  # None for agent presence events
    queue_id: int | None = None
    agent_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    """One interaction: its row's final values and the events it gains in this import.

    `id` is set when the interaction is already stored (a queue_log that has grown) or when the writer
    allocates one for a new row."""

    key: str  # interactions.idempotency_key: what makes importing twice add nothing
    external_id: str
    client_id: int
    received_ms: int
    id: int | None = None
    stored: bool = False
    channel: str = "voice"
    direction: str = "in"
    state: str = "received"
    queue_id: int | None = None
    agent_id: int | None = None
    priority: int = 0
    from_address: str | None = None
    topic: str = ""
    exit_reason: str | None = None
    queued_ms: int | None = None  # the latest queue entry (live operation resets it on a transfer too)
    answered_ms: int | None = None
    ended_ms: int | None = None
    completed_ms: int | None = None
    events: list[EventDraft] = field(default_factory=list)
    transfer: EventDraft | None = None  # the last `transferred`, told its queue if the call enters one next

    def add(self, ms: int, type_: T, *, agent_id: int | None = None, queue_id: int | None = -1,
            **data: Any) -> EventDraft:
        """Append an event; its queue column is the interaction's queue unless given (None: no queue)."""
        event = EventDraft(ms, type_, self, self.queue_id if queue_id == -1 else queue_id, agent_id,
                           {k: v for k, v in data.items() if v is not None})
        self.events.append(event)
        return event

    # --- the shapes every importer shares -------------------------------------------------------

    def arrive(self, ms: int) -> None:
        self.add(ms, T.RECEIVED, queue_id=None, channel=self.channel, direction=self.direction)

    def enter_queue(self, ms: int, queue_id: int, priority: int = 0) -> None:
        self.state, self.queue_id, self.queued_ms, self.agent_id = "queued", queue_id, ms, None
        self.add(ms, T.ENTERED_QUEUE, priority=priority or None)

    def answer(self, offered_ms: int, ms: int, agent_id: int | None) -> None:
        assert self.queued_ms is not None
        self.add(max(offered_ms, self.queued_ms), T.OFFERED, agent_id=agent_id)
        self.state, self.agent_id, self.answered_ms = "connected", agent_id, ms
        self.add(ms, T.ANSWERED, agent_id=agent_id, wait_s=seconds(ms - self.queued_ms))

    def complete(self, ms: int, *, hold_s: float = 0.0, wrap_s: float = 0.0, **data: Any) -> None:
        """The conversation ended at `ms`; wrap-up ends `wrap_s` later. `wrap_up_ended` carries the measures
        handle-time KPIs read (talk excludes hold)."""
        assert self.answered_ms is not None
        talk = max(seconds(ms - self.answered_ms) - hold_s, 0.0)
        if hold_s > 0:  # the source gives the hold total, not when: one span, ending with the conversation
            self.add(max(ms - round(hold_s * 1000), self.answered_ms), T.HELD, agent_id=self.agent_id)
            self.add(ms, T.RESUMED, agent_id=self.agent_id)
        self.add(ms, T.COMPLETED, agent_id=self.agent_id, **data)
        done = ms + round(wrap_s * 1000)
        self.add(done, T.WRAP_UP_ENDED, agent_id=self.agent_id, talk_s=round(talk, 3), hold_s=round(hold_s, 3),
                 wrap_s=round(wrap_s, 3))
        self.state, self.ended_ms, self.completed_ms = "completed", ms, done

    def leave(self, ms: int, how: str) -> None:
        """Abandon (`how` = "abandoned") or another exit (`how` = an ExitReason value) while queued."""
        assert self.queued_ms is not None
        wait = seconds(ms - self.queued_ms)
        if how == "abandoned":
            self.add(ms, T.ABANDONED, wait_s=wait)
            self.state = "abandoned"
        else:
            self.add(ms, T.EXITED, reason=how, wait_s=wait)
            self.state, self.exit_reason = "exited", how
        self.ended_ms, self.agent_id = ms, None


def seconds(ms: int) -> float:
    return round(ms / 1000, 3)
