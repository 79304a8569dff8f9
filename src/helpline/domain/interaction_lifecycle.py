"""The interaction state machine: which action may happen in which state, and where it leads.

received → queued → offered → connected ⇄ on_hold → wrap_up → completed
queued/offered → abandoned; queued → exited (timeout, key press, ...);
offered → queued on reject / no answer; connected/on_hold → queued or offered on transfer.
"""

from enum import StrEnum

from helpline.domain.errors import IllegalTransition
from helpline.domain.vocabulary import InteractionState as S


class Action(StrEnum):
    ENQUEUE = "enqueue"
    OFFER = "offer"
    REJECT = "reject"
    NO_ANSWER = "no_answer"
    ANSWER = "answer"
    HOLD = "hold"
    RESUME = "resume"
    TRANSFER_TO_QUEUE = "transfer_to_queue"
    TRANSFER_TO_AGENT = "transfer_to_agent"
    END = "end"
    COMPLETE = "complete"
    ABANDON = "abandon"
    EXIT = "exit"


_TALKING = (S.CONNECTED, S.ON_HOLD)

TRANSITIONS: dict[Action, tuple[tuple[S, ...], S]] = {
    Action.ENQUEUE: ((S.RECEIVED,), S.QUEUED),
    Action.OFFER: ((S.QUEUED,), S.OFFERED),
    Action.REJECT: ((S.OFFERED,), S.QUEUED),
    Action.NO_ANSWER: ((S.OFFERED,), S.QUEUED),
    # a PBX may connect a queued call directly; an outbound interaction starts connected
    Action.ANSWER: ((S.RECEIVED, S.QUEUED, S.OFFERED), S.CONNECTED),
    Action.HOLD: ((S.CONNECTED,), S.ON_HOLD),
    Action.RESUME: ((S.ON_HOLD,), S.CONNECTED),
    Action.TRANSFER_TO_QUEUE: (_TALKING, S.QUEUED),
    Action.TRANSFER_TO_AGENT: (_TALKING, S.OFFERED),
    Action.END: (_TALKING, S.WRAP_UP),
    Action.COMPLETE: ((*_TALKING, S.WRAP_UP), S.COMPLETED),
    Action.ABANDON: ((S.RECEIVED, S.QUEUED, S.OFFERED), S.ABANDONED),
    Action.EXIT: ((S.QUEUED,), S.EXITED),
}

TERMINAL_STATES = frozenset({S.COMPLETED, S.ABANDONED, S.EXITED})
WAITING_STATES = frozenset({S.QUEUED, S.OFFERED})
ACTIVE_STATES = frozenset({S.OFFERED, S.CONNECTED, S.ON_HOLD, S.WRAP_UP})


def next_state(current: S | str, action: Action) -> S:
    """The state after `action`, or IllegalTransition when `current` does not allow it."""
    allowed_from, target = TRANSITIONS[action]
    if S(current) not in allowed_from:
        raise IllegalTransition("interaction", str(current), action.value.replace("_", " "))
    return target


def allowed_actions(current: S | str) -> list[Action]:
    return [action for action, (sources, _) in TRANSITIONS.items() if S(current) in sources]
