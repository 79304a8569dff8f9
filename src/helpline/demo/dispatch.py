"""Choosing the operator for a contact: the one who can start first; among those free at once, the one
idle longest (as an ACD does), within ready windows, capacity and certification validity."""

from helpline.demo.desk import Desk
from helpline.demo.world import DAY, Eligible, World


def pick(world: World, code: str, channel: str, at: int, duration: int,
         latest: int) -> tuple[Desk | None, int | None]:
    """The operator who can start first; among those free at once, the one idle longest. Operators on
    duty that day are asked first: if one of them can start that day, nobody else can start earlier."""
    day = (at - world.start) // DAY
    today = world.on_duty.get(code, {}).get(day)
    if today:
        desk, start = _first(today, channel, at, duration, min(latest, world.start + (day + 1) * DAY - 1))
        if desk is not None:
            return desk, start
    return _first(world.eligible.get(code, []), channel, at, duration, latest)


def _first(candidates: Eligible, channel: str, at: int, duration: int,
           latest: int) -> tuple[Desk | None, int | None]:
    candidates.sort(key=lambda entry: entry[0].last_end)
    best, chosen = None, None
    for desk, valid_from, valid_until in candidates:
        limit = min(latest, valid_until - 1) if best is None else min(latest, valid_until - 1, best - 1)
        start = desk.earliest(channel, max(at, valid_from), duration, limit)
        if start is not None:
            best, chosen = start, desk
            if start <= at:
                break
    return chosen, best


def index_on_duty(world: World) -> None:
    for code, candidates in world.eligible.items():
        days: dict[int, Eligible] = {}
        for entry in candidates:
            seen: set[int] = set()
            for start, end in entry[0].windows:
                for day in range((start - world.start) // DAY, (end - 1 - world.start) // DAY + 1):
                    if day not in seen:
                        seen.add(day)
                        days.setdefault(day, []).append(entry)
        world.on_duty[code] = days
