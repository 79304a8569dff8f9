"""Agent lines of a queue_log → presence events. Pure.

Helpline's presence is per agent, while Asterisk logs membership and pauses per queue: an agent in three
queues gets three ADDMEMBER or PAUSE lines at the same second. So each agent's state is tracked and an
event is written only when it changes: logged in on the first login or queue membership, logged out when
the last membership known to this import ends (or on AGENTLOGOFF), not ready with the pause reason
("paused" when none is given), ready on UNPAUSE. A pause or unpause of an agent believed logged out (a
static member, who never logs in) logs them in first."""

from dataclasses import dataclass, field

from helpline.adapters.importers.queue_log import QueueLogLine
from helpline.adapters.importers.records import EventDraft
from helpline.domain.vocabulary import EventType as T

PRESENCE_TYPES = (T.AGENT_LOGGED_IN, T.AGENT_READY, T.AGENT_NOT_READY, T.AGENT_LOGGED_OUT)


@dataclass
class AgentState:
    status: str = "logged_out"  # logged_out, ready, not_ready
    reason: str | None = None
    queues: set[str] = field(default_factory=set)

    @classmethod
    def after(cls, last: str | None, reason: str | None) -> "AgentState":
        """The state an agent's last stored presence event left them in."""
        status = {T.AGENT_READY: "ready", T.AGENT_LOGGED_IN: "ready", T.AGENT_NOT_READY: "not_ready"}.get(
            T(last) if last else T.AGENT_LOGGED_OUT, "logged_out")
        return cls(status, reason if status == "not_ready" else None)


def apply(state: AgentState, line: QueueLogLine, agent_id: int) -> list[EventDraft]:
    """The presence events one agent line causes, updating `state`."""
    out: list[EventDraft] = []

    def emit(type_: T, reason: str | None = None) -> None:
        out.append(EventDraft(line.ms, type_, None, None, agent_id, {"reason": reason} if reason else {}))

    def log_in() -> None:
        if state.status == "logged_out":
            emit(T.AGENT_LOGGED_IN)
            emit(T.AGENT_READY)
            state.status, state.reason = "ready", None

    def log_out() -> None:
        state.queues.clear()
        if state.status != "logged_out":
            emit(T.AGENT_LOGGED_OUT)
            state.status, state.reason = "logged_out", None

    event = line.event
    if event == "AGENTLOGIN":
        log_in()
    elif event == "ADDMEMBER":
        state.queues.add(line.queue)
        log_in()
    elif event == "REMOVEMEMBER":
        state.queues.discard(line.queue)
        if not state.queues:
            log_out()
    elif event == "AGENTLOGOFF":
        log_out()
    elif event in ("PAUSE", "PAUSEALL"):
        log_in()
        reason = line.detail or "paused"
        if state.status != "not_ready" or state.reason != reason:
            emit(T.AGENT_NOT_READY, reason)
            state.status, state.reason = "not_ready", reason
    elif event in ("UNPAUSE", "UNPAUSEALL"):
        log_in()
        if state.status != "ready":
            emit(T.AGENT_READY)
            state.status, state.reason = "ready", None
    return out
