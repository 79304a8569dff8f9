"""The engine's internal records: mutable, slotted, never handed out (views.py copies what callers see)."""

from __future__ import annotations

from typing import Final, TypeAlias

from helpline.routing.model import AgentProfile, QueueConfig
from helpline.routing.slot_heaps import agent_heap, wait_heap

# Codes are Final so that mypyc inlines them; other module-level names are looked up at run time.
# interaction states
WAITING: Final = 0
OFFERED: Final = 1
ACTIVE: Final = 2
WRAP_UP: Final = 3
GONE: Final = 4
STATE_NAMES: Final = ("waiting", "offered", "active", "wrap_up", "gone")
# agent-choice rules
BEST: Final = 0
IDLE: Final = 1
LEAST: Final = 2
ROUND_ROBIN: Final = 3
CHOICE_CODES: Final = {"best_proficiency": BEST, "longest_idle": IDLE, "least_occupied": LEAST,
                       "round_robin": ROUND_ROBIN}
# timer kinds
ALERT: Final = 0
STEP: Final = 1
HOLDOFF: Final = 2

Timer: TypeAlias = "tuple[float, int, int, Interaction, int]"  # (due, seq, kind, interaction, token)

Target: TypeAlias = "tuple[Slot, int, int]"  # (slot, choice rule, -total proficiency)


class Queue:
    __slots__ = ("cfg", "channel", "id", "lang_slots", "priority", "rr", "steps", "tiers")

    def __init__(self, cfg: QueueConfig, channel: str, tiers: list[tuple[dict[str, int], str | None]]) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.channel = channel
        self.priority = cfg.priority
        self.steps = cfg.expansion
        self.tiers = tiers  # reachable (requirements, site) per tier: tier k follows k applied steps
        self.lang_slots: dict[str | None, list[Slot]] = {}
        self.rr: dict[str, int] = {}  # round robin: agent id -> sequence number of the last offer


class Slot:
    """One (queue, expansion tier, language) line: its waiting heap and its heap of available agents."""

    __slots__ = ("agent_limit", "agents", "channel", "lang", "live", "mode", "n_eligible", "queue", "req", "site",
                 "thr", "tier", "wait_limit", "waiting")

    def __init__(self, queue: Queue, tier: int, lang: str | None, req: dict[str, int], site: str | None,
                 mode: int) -> None:
        self.queue = queue
        self.tier = tier
        self.lang = lang
        self.channel = queue.channel
        self.req = req
        self.site = site
        self.mode = mode
        self.thr = queue.cfg.sl_threshold_s
        self.waiting = wait_heap()
        self.live = 0  # valid entries in `waiting`
        self.wait_limit = 64
        self.agents = agent_heap()
        self.n_eligible = 0  # agents currently eligible: bounds the valid entries in `agents`
        self.agent_limit = 64


class Interaction:
    __slots__ = ("agent", "alert_due", "alert_seq", "arrival", "channel", "entered_at", "id", "lang", "neg_prio",
                 "priority", "q_token", "queue", "radix", "ref", "reject_token", "rejecter", "seq", "slot", "state",
                 "step_pending", "step_timer", "ticket", "tier", "vip")

    def __init__(self, iid: str, arrival: float, seq: int, priority: int, vip: int, lang: str | None,
                 queue: Queue, slot: Slot, vip_boost: int) -> None:
        self.id = iid
        self.arrival = arrival
        self.seq = seq
        self.priority = priority
        self.vip = vip
        self.lang = lang
        self.queue = queue
        self.slot = slot
        self.channel = queue.channel
        self.tier = 0
        self.neg_prio = -(queue.priority + priority + vip_boost * vip)
        self.entered_at = arrival
        self.q_token = seq  # changes when it enters another queue: older expansion timers die
        self.ticket = 0  # the ticket of its live entry in `slot.waiting`; 0 while it waits in no heap
        self.state = WAITING
        self.agent: Agent | None = None
        self.reject_token = 0
        self.rejecter: Agent | None = None
        self.step_pending = False
        self.step_timer = -1  # the tier whose expansion timer is scheduled (timers start once it waits)
        self.ref = -1  # the simulation driver's index for it (driver.py); unused in live operation
        self.alert_due = 0.0  # while offered (only read then): when the offer times out, and its sequence number
        self.alert_seq = 0
        self.radix = 0  # while with an agent: his `radix` of its channel (what it adds to his `ukey`)


# Digits per channel in `Agent.ukey`: a capacity of n needs n + 2, and work assigned outside the engine
# (a PBX connect) may overload an agent, so leave room for that without keys colliding.
_OVERLOAD_DIGITS: Final = 64


class Agent:
    __slots__ = ("aseq", "cap", "channels", "epoch", "has_least", "id", "idle_since", "inheap", "items", "least",
                 "lighter", "login_at", "missing", "profile", "radix", "ready", "reason", "ref", "room", "room_cache",
                 "site", "sl_first", "target_of", "targets", "total", "ukey", "wslots")

    def __init__(self, profile: AgentProfile, aseq: int, at: float, sl_first: bool) -> None:
        self.profile = profile
        self.id = profile.id
        self.site = profile.site
        self.aseq = aseq
        self.login_at = at
        self.sl_first = sl_first
        self.ready = False
        self.reason: str | None = "logged_in"
        self.epoch = 0  # bumped when eligibility is recomputed or the agent logs out: older heap entries die
        self.cap = profile.capacity_by_channel()
        # The interactions held per channel as one mixed-radix number (`ukey`, the key of `room_cache`): one
        # addition per offer or finish instead of a dict update; `used()` spells it out.
        self.radix: dict[str, int] = {}
        scale = 1
        for ch, n in self.cap.items():
            self.radix[ch] = scale
            scale *= max(n, 0) + _OVERLOAD_DIGITS
        self.ukey = 0
        self.room_cache: dict[int, list[str]] = {}
        self.total = 0
        self.idle_since = at
        self.items: list[Interaction] = []  # offered, active and in wrap-up (a few: a list beats a dict)
        self.targets: dict[str, list[Target]] = {}  # per channel: the slots this agent is eligible for
        self.least: dict[str, list[Target]] = {}  # the "least occupied" ones among them
        self.has_least = False  # any at all (most agents have none: no look-up then)
        self.missing: dict[str, list[Target]] = {}  # per channel: his slots that may hold no entry of his
        self.target_of: dict[Slot, Target] = {}
        self.wslots: dict[str, list[Slot]] = {}
        self.channels: list[str] = []
        self.room: list[str] = []  # channels with free capacity (has_room)
        self.lighter = False  # load went down since last advertised: "least occupied" keys need a fresh entry
        self.inheap: set[Slot] = set()  # slots whose agent heap holds an entry of this epoch for him
        self.ref = -1  # the simulation driver's index for him (driver.py); unused in live operation

    def used(self) -> dict[str, int]:
        """Interactions held (offered, active, in wrap-up) per channel."""
        return {ch: self.ukey // scale % (max(self.cap[ch], 0) + _OVERLOAD_DIGITS) for ch, scale in self.radix.items()}
