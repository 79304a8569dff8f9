"""Contacts arriving: how many per queue and day (weekday factors), at which hour (intraday profile),
from which customer, about what; follow-ups and retries come back to the same line when it is open."""

import heapq
import math
import random
from datetime import timedelta
from itertools import accumulate

from helpline.demo import profile as pf
from helpline.demo.customers import Person
from helpline.demo.records import Contact
from helpline.demo.roster import H, local_midnight_ms
from helpline.demo.world import DAY, SPEC, World


def make_pools(world: World) -> None:
    pools: dict[str, list[Person]] = {"general": [], "dms": [], "vip": [], "mail": []}
    for person in world.people:
        if person.segment == "motor":
            pools["general"].append(person)
            for line in person.policies:
                pools.setdefault(line, []).append(person)
            if person.email:
                pools["mail"].append(person)
        elif person.segment == "dms":
            pools["dms"].append(person)
            if person.vip_tier:
                pools["vip"].append(person)
        elif person.trip:
            pools.setdefault("travel_" + person.trip[0], []).append(person)
    world.pools = pools


def _pool(world: World, code: str) -> list[Person]:
    spec = SPEC[code]
    key = ("vip" if code == "med_dms_vip_voice" else "dms" if spec.product_line == "dms" else
           "travel_" + code.rsplit("_", 1)[1] if spec.product_line == "travel" else
           "mail" if code == "reso_email" else spec.product_line or "general")
    return world.pools.get(key) or world.pools.get("dms" if code.startswith("med") else "general") or []


def arrivals(world: World, code: str) -> None:
    rng, behaviour = world.rng, pf.BEHAVIOUR[code]
    hours = list(range(24))
    for offset in range(world.days):
        day = world.first_day + timedelta(days=offset)
        mean = behaviour.daily * behaviour.days[day.weekday()] * world.scale
        count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
        midnight = local_midnight_ms(day)
        for hour in rng.choices(hours, behaviour.hours, k=count):
            received = midnight + hour * H + rng.randrange(H)
            _push(world, code, received, _person(world, code), _scenario(rng, code), follow_up=False)


def _person(world: World, code: str) -> Person | None:
    pool = _pool(world, code)
    if not pool or (SPEC[code].channel == "voice" and world.rng.random() < pf.UNKNOWN_CALLER):
        return None
    return world.rng.choice(pool)


def _scenario(rng: random.Random, code: str) -> pf.Scenario:
    scenarios = pf.BEHAVIOUR[code].scenarios
    return rng.choices(scenarios, cum_weights=_CUMULATIVE[code])[0]


_CUMULATIVE = {code: list(accumulate(s.weight for s in b.scenarios)) for code, b in pf.BEHAVIOUR.items()}


def _push(world: World, code: str, received: int, person: Person | None, scenario: pf.Scenario, *,
          follow_up: bool, line: str | None = None) -> None:
    received = _when_open(world, code, received)
    if received >= world.end:
        return
    if line is None:
        line = SPEC[code].product_line
        if line is None and person is not None and person.policies:
            line = world.rng.choice(sorted(person.policies))
    world.serial += 1
    contact = Contact(world.serial, code, received, person, scenario, line, follow_up=follow_up)
    heapq.heappush(world.pending, (received, contact.n, contact))


def _when_open(world: World, code: str, at: int) -> int:
    """A contact to a queue with business hours (the same every day here) waits for the next opening."""
    hours = SPEC[code].hours.get("mon")
    if not hours:
        return at
    opens, closes = (_hour_ms(text) for text in hours[0])
    since_midnight = (at - world.start) % DAY
    if since_midnight < opens:
        return at - since_midnight + opens + world.rng.randrange(2 * H)
    if since_midnight >= closes:
        return at - since_midnight + DAY + opens + world.rng.randrange(2 * H)
    return at


def _hour_ms(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * H + int(minutes) * 60_000


def again(world: World, contact: Contact, at: int, scenario: pf.Scenario) -> None:
    """The same customer about the same matter: a general call is routed to either site again."""
    code = contact.queue
    if code[:4] in ("msk_", "spb_"):
        code = ("msk_" if world.rng.random() < pf.MOSCOW_SHARE else "spb_") + code[4:]
    _push(world, code, at, contact.person, scenario, follow_up=True, line=contact.product_line)
