"""Weeks of generated history, written as cases, interactions and events in bulk, in one transaction
(so a history is either all there or absent, and absent means a later load writes it)."""

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import Case, Event, Interaction, User
from helpline.demo import bulk
from helpline.demo import catalogue as cat
from helpline.demo.customers import load_people
from helpline.demo.events import EVENT_COLUMNS, EventLog, contact_events, presence_events
from helpline.demo.floor import build_desks, eligibility
from helpline.demo.records import CaseRec, Contact
from helpline.demo.reference import Refs
from helpline.demo.roster import MOSCOW_TZ, local_midnight_ms
from helpline.demo.simulate import simulate
from helpline.demo.staff import AgentSpec
from helpline.demo.world import SPEC, World
from helpline.services.unit_of_work import UnitOfWork

KEY_PREFIX = "demo-"
CASE_COLUMNS = ("id", "client_id", "customer_id", "policy_id", "site_id", "assigned_agent_id", "type", "status",
                "priority", "product_line", "topic", "subject", "notes", "details", "created_at", "updated_at",
                "first_response_at", "resolved_at", "closed_at", "version")
INTERACTION_COLUMNS = (
    "id", "client_id", "channel", "direction", "state", "customer_id", "queue_id", "agent_id", "case_id",
    "idempotency_key", "external_id", "request_fingerprint", "created_by_user_id", "from_address", "to_address",
    "topic", "subject", "body", "priority", "language", "exit_reason", "wrap_up_code", "notes", "created_at",
    "queued_at", "answered_at", "ended_at", "completed_at", "version")


def history_exists(uow: UnitOfWork) -> bool:
    query = select(Interaction.id).where(Interaction.idempotency_key.like(KEY_PREFIX + "%")).limit(1)
    return uow.session.scalar(query) is not None


def history_days(now: datetime, weeks: int) -> tuple[date, int, int]:
    """(first day, first ms, end ms): whole Moscow weeks ending with the latest Sunday before now."""
    monday = now.astimezone(MOSCOW_TZ).date()
    monday -= timedelta(days=monday.weekday())
    first = monday - timedelta(weeks=weeks)
    return first, local_midnight_ms(first), local_midnight_ms(monday)


def write_history(uow: UnitOfWork, refs: Refs, specs: list[AgentSpec], *, weeks: int, scale: float, seed: int,
                  progress: Callable[[str, int, int], None] | None = None) -> int:
    """Simulate and store the history; returns the number of interactions written."""
    session = uow.session
    first, start, end = history_days(uow.now(), weeks)
    rng = random.Random(seed)
    desks, presence = build_desks(uow, specs, first, weeks * 7, end, rng)
    vip_curators = {refs.teams[cat.MEDICAL, "VIP-кураторы"]: {"med_dms_vip_voice"}}
    world = World(first, weeks * 7, start, end, eligibility(uow, desks, vip_curators), load_people(uow), scale, rng)
    simulate(world, progress)
    pbx = session.scalar(select(User.id).where(User.username == "pbx"))
    log = EventLog()
    for agent_id, duty in presence.items():
        presence_events(log, agent_id, desks[agent_id].user_id, duty)
    first_case, first_interaction = bulk.next_id(session, Case), bulk.next_id(session, Interaction)
    for offset, case in enumerate(world.cases):
        case.id = first_case + offset
    for offset, contact in enumerate(world.contacts):
        contact.id = first_interaction + offset
        spec = SPEC[contact.queue]
        contact_events(log, contact, queue_id=refs.queues[contact.queue], channel=spec.channel.value, pbx=pbx)
    total = len(world.cases) + len(world.contacts) + len(log.items)
    writer = bulk.Writer(session, progress, "history", total)
    writer.roomy_cache(True)
    writer.insert(Case, CASE_COLUMNS, _case_rows(writer, world.cases, refs))
    bulk.sync_sequence(session, "cases")
    writer.insert(Interaction, INTERACTION_COLUMNS, _interaction_rows(writer, world.contacts, refs, pbx))
    bulk.sync_sequence(session, "interactions")
    writer.insert(Event, EVENT_COLUMNS, log.rows(writer))
    writer.roomy_cache(False)
    return len(world.contacts)


def _case_rows(w: bulk.Writer, cases: list[CaseRec], refs: Refs) -> Iterator[tuple[Any, ...]]:
    for case in cases:
        site = SPEC[case.queue].site
        yield (case.id, refs.clients[case.client], case.person.id if case.person else None, case.policy_id,
               refs.sites[site] if site else None, case.agent_id, case.type, case.status, case.priority,
               case.product_line, case.topic, case.subject, "", w.json(case.details), w.ms(case.created),
               w.ms(case.updated), w.ms(case.opened), w.ms(case.resolved), None, 1)


def _interaction_rows(w: bulk.Writer, contacts: list[Contact], refs: Refs,
                      pbx: int | None) -> Iterator[tuple[Any, ...]]:
    for n, c in enumerate(contacts, start=1):
        spec, person, case = SPEC[c.queue], c.person, c.case
        channel = spec.channel.value
        voice, email = channel == "voice", channel == "email"
        sender = (person.email if email else person.phone) if person is not None else None
        if person is None and voice:
            sender = f"+7916{(c.n * 7919) % 10_000_000:07d}"  # a caller no customer record knows
        answered = c.completed is not None
        yield (c.id, refs.clients[spec.client], channel, "in", "completed" if answered else "abandoned",
               person.id if person else None, refs.queues[c.queue], c.agent_id, case.id if case else None,
               f"{KEY_PREFIX}{n}", f"{c.received // 1000}.{c.n}" if voice else None, None, pbx, sender,
               cat.HOTLINE[spec.client] if voice else cat.MAILBOX[spec.client] if email else None,
               c.topic, "" if voice else c.scenario.subject, "", 5 if person is not None and person.vip_tier else 0,
               person.language if person else "ru", None, c.scenario.wrap_up_code if answered else None, "",
               w.ms(c.received), w.ms(c.queued), w.ms(c.answered), w.ms(c.ended if answered else c.abandoned),
               w.ms(c.completed), 1)
