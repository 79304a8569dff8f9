"""An operator as the history simulation sees them: ready windows and per-channel capacity. A call is
exclusive (it needs an otherwise idle operator and blocks everything else), as domain.capacity rules."""

from bisect import bisect_right
from dataclasses import dataclass, field

VOICE = "voice"


@dataclass
class Desk:
    agent_id: int
    user_id: int | None
    windows: list[tuple[int, int]]
    capacity: dict[str, int]
    ends: list[int] = field(default_factory=list)
    voice_free: int = 0  # busy with a call until
    digital_free: int = 0  # busy with some chat, e-mail or app request until
    lanes: dict[str, list[int]] = field(default_factory=dict)  # one lane per unit of capacity
    last_end: int = 0

    def __post_init__(self) -> None:
        self.windows.sort()
        self.ends = [end for _start, end in self.windows]
        self.lanes = {channel: [0] * n for channel, n in self.capacity.items() if channel != VOICE and n > 0}

    def earliest(self, channel: str, at: int, duration: int, latest: int) -> int | None:
        """The first moment >= at when this operator can take `duration` ms of `channel` work without
        running into a break or the end of the shift; None if not by `latest`."""
        if channel == VOICE:
            if self.capacity.get(VOICE, 0) < 1:
                return None
            free = max(self.voice_free, self.digital_free)
        else:
            lanes = self.lanes.get(channel)
            if not lanes:
                return None
            free = max(self.voice_free, min(lanes))
        t0 = max(at, free)
        if t0 > latest:
            return None
        windows = self.windows
        for i in range(bisect_right(self.ends, t0), len(windows)):
            start, end = windows[i]
            begin = t0 if t0 > start else start
            if begin > latest:
                return None
            if begin + duration <= end:
                return begin
        return None

    def take(self, channel: str, start: int, finish: int) -> None:
        if channel == VOICE:
            self.voice_free = finish
        else:
            lanes = self.lanes[channel]
            lanes[lanes.index(min(lanes))] = finish
            self.digital_free = max(self.digital_free, finish)
        self.last_end = max(self.last_end, finish)
