"""The history simulation: each contact waits, abandons or is answered by the operator who is ready,
qualified and free first; cases open as intake opens them, get follow-ups and are resolved. Sampled
waits are steered so that the average matches the published figures."""

import heapq
import math
import random
from collections.abc import Callable

from helpline.demo import plans
from helpline.demo import profile as pf
from helpline.demo.arrivals import again, arrivals, make_pools
from helpline.demo.dispatch import index_on_duty, pick
from helpline.demo.records import Contact
from helpline.demo.world import SPEC, World


def simulate(world: World, progress: Callable[[str, int, int], None] | None = None) -> None:
    make_pools(world)
    index_on_duty(world)
    for code in pf.BEHAVIOUR:
        arrivals(world, code)
    total, done = len(world.pending), 0
    while world.pending:
        _at, _n, contact = heapq.heappop(world.pending)
        _serve(world, contact)
        done += 1
        if progress is not None and done % 5000 == 0:
            progress("simulate", done, max(total, done))
    world.contacts.sort(key=lambda c: (c.received, c.n))


def _serve(world: World, contact: Contact) -> None:
    rng, behaviour, spec = world.rng, pf.BEHAVIOUR[contact.queue], SPEC[contact.queue]
    contact.queued = contact.received + rng.randint(*behaviour.ivr) * 1000
    kind, a, b = behaviour.wait
    if kind == "exp":
        mean = world.mean_wait.setdefault(contact.queue, a)
        wait, patience = rng.expovariate(1 / mean) * 1000, rng.expovariate(1 / b) * 1000
    else:
        wait, patience = a * math.exp(b * rng.gauss(0, 1)) * 1000, math.inf
    ring = min(int(wait), rng.randint(*behaviour.ring) * 1000 + rng.randrange(1000))
    talk = max(15_000, int(_lognormal(rng, behaviour.talk) * contact.scenario.talk_factor * 1000))
    wrap = max(3_000, int(_lognormal(rng, behaviour.wrap) * 1000))
    latest = world.end - (ring + talk + wrap)
    if patience < math.inf:
        latest = min(latest, contact.queued + int(patience) - ring)
    desk, start = pick(world, contact.queue, spec.channel, contact.queued + int(wait) - ring, ring + talk + wrap,
                        latest)
    if desk is None or start is None:
        if patience == math.inf or contact.queued + patience >= world.end:
            return  # nobody could take it within the history: it never happened
        contact.abandoned = contact.queued + int(patience)
        _attach_case(world, contact)
        world.contacts.append(contact)
        if rng.random() < pf.RETRY_CHANCE:
            again(world, contact, contact.abandoned + rng.randint(*pf.RETRY_AFTER_S) * 1000, contact.scenario)
        return
    contact.offered, contact.answered = start, start + ring
    contact.ended, contact.completed = start + ring + talk, start + ring + talk + wrap
    contact.agent_id, contact.agent_user_id = desk.agent_id, desk.user_id
    desk.take(spec.channel, start, contact.completed)
    if spec.channel == "voice" and talk > 90_000 and rng.random() < pf.HOLD_CHANCE:
        length = min(rng.randint(*pf.HOLD_S) * 1000, talk // 2)
        held = contact.answered + rng.randint(10_000, talk - length - 5_000)
        contact.holds.append((held, held + length))
    if kind == "exp":  # steer the simulated answer speed towards the published average
        mean = world.mean_wait[contact.queue] + pf.WAIT_GAIN * (a - contact.wait_ms / 1000)
        world.mean_wait[contact.queue] = min(3 * a, max(0.3, mean))
    _attach_case(world, contact)
    world.contacts.append(contact)
    _answered_case(world, contact)


def _attach_case(world: World, contact: Contact) -> None:
    """As intake does: an open case of the customer on the same topic, else a new one."""
    person, key = contact.person, (contact.person.id if contact.person else 0, contact.topic)
    case = world.open_cases.get(key) if person is not None else None
    if case is not None and case.resolved is not None and case.resolved <= contact.received:
        case = None
    if case is None:
        case = plans.new_case(world.rng, contact, SPEC[contact.queue].client, SPEC[contact.queue].product_line)
        world.cases.append(case)
        contact.case_is_new = True
        if person is not None:
            world.open_cases[key] = case
    contact.case = case
    case.updated = max(case.updated, contact.completed or contact.abandoned or contact.received)


def _answered_case(world: World, contact: Contact) -> None:
    case, rng = contact.case, world.rng
    assert case is not None and contact.answered is not None
    if case.status != "new":
        return
    case.status, case.opened, case.agent_id = "open", contact.answered, contact.agent_id
    contact.opened_case = True
    resolved = plans.resolution(rng, case, contact)
    follow_up = plans.follow_up_at(rng, case, contact)
    if follow_up is not None and follow_up < resolved:
        again(world, contact, follow_up, plans.follow_up_scenario(rng, contact.scenario))
    if resolved < world.end:
        case.status, case.resolved, case.resolver_user_id = "resolved", resolved, contact.agent_user_id
        case.updated = max(case.updated, resolved)


def _lognormal(rng: random.Random, median_sigma: tuple[float, float]) -> float:
    median, sigma = median_sigma
    return median * math.exp(sigma * rng.gauss(0, 1))
