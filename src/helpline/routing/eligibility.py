"""Which slots an agent may serve: computed at log-in, on queue (re)configuration, when a new language line
opens, and at certification boundaries (a heap of certification starts and expiries, processed as soon as
an input's `at` reaches them) — never on the hot path."""

from __future__ import annotations

from heapq import heappop, heappush

from helpline.domain.vocabulary import Channel
from helpline.routing.decisions import Decision
from helpline.routing.flow import _Flow
from helpline.routing.model import QueueConfig, RoutingError
from helpline.routing.state import CHOICE_CODES, LEAST, Agent, Queue, Slot


class _Eligibility(_Flow):
    def _cross_certifications(self, at: float, out: list[Decision]) -> None:
        """Due certification starts and expiries apply before the input that reaches them."""
        certs = self._certs
        due: list[Agent] = []
        while certs and certs[0][0] <= at:
            a = heappop(certs)[2]
            if a not in due:
                due.append(a)
        for a in due:
            if self._agents.get(a.id) is a:
                self._compute_targets(a, at)
                if a.ready:
                    self._serve(a, at, out)

    # -- queues -------------------------------------------------------------------------------------------
    def _install_queue(self, cfg: QueueConfig) -> None:
        for step in cfg.expansion:
            if step.move_to_queue is not None and step.move_to_queue not in self._queues:
                raise RoutingError(f"queue {cfg.id} overflows into unknown queue {step.move_to_queue}")
        old = self._queues.get(cfg.id)
        if old is not None and any(rec.queue is old for rec in self._inters.values()):
            raise RoutingError(f"queue {cfg.id} still has interactions: reconfigure it when it is empty")
        tiers: list[tuple[dict[str, int], str | None]] = [(dict(cfg.required_skills), cfg.site)]
        for step in cfg.expansion:
            if step.move_to_queue is not None:
                break  # the interaction leaves the queue: later steps are never reached
            req, site = tiers[-1]
            tiers.append(({**req, **(step.min_proficiency or {})}, None if step.any_site else site))
        q = Queue(cfg, Channel(cfg.channel).value, tiers)
        self._queues[cfg.id] = q
        if old is None:
            self._make_slots(q, None)
        else:
            self._make_slots(q, None, recompute=True)

    def _slots(self, q: Queue, lang: str | None) -> list[Slot]:
        slots = q.lang_slots.get(lang)
        return self._make_slots(q, lang) if slots is None else slots

    def _make_slots(self, q: Queue, lang: str | None, recompute: bool = False) -> list[Slot]:
        mode = CHOICE_CODES[q.cfg.agent_choice]
        slots = []
        for tier, (req, site) in enumerate(q.tiers):
            need = dict(req)
            if lang is not None:
                need.setdefault(lang, 1)
            slots.append(Slot(q, tier, lang, need, site, mode))
        q.lang_slots[lang] = slots
        for a in self._agents.values():
            if recompute:
                self._compute_targets(a, self._now)
                if a.ready and a.room:
                    self._advertise(a)
            else:
                self._add_targets(a, q, slots, self._now, push=True)
        return slots

    # -- agents -------------------------------------------------------------------------------------------
    def _track_certifications(self, a: Agent, at: float) -> None:
        for skill in a.profile.skills.values():
            if not skill.requires_certification:
                continue
            for moment in (skill.certified_from, skill.certified_until):
                if moment is not None and moment > at:
                    self._seq += 1
                    heappush(self._certs, (moment, self._seq, a))

    def _drop_targets(self, a: Agent) -> None:
        for targets in a.targets.values():
            for slot, _, _ in targets:
                slot.n_eligible -= 1
        a.targets, a.wslots, a.channels, a.least, a.missing, a.target_of = {}, {}, [], {}, {}, {}
        a.has_least = False

    def _compute_targets(self, a: Agent, at: float) -> None:
        self._drop_targets(a)
        for q in self._queues.values():
            for slots in q.lang_slots.values():
                self._add_targets(a, q, slots, at, push=False)
        a.epoch += 1  # every entry of his in any agent heap is dead now
        a.inheap = set()
        for ch, targets in a.targets.items():
            a.missing[ch] = list(targets)
        a.room_cache = {}
        a.room = self._room_for(a)

    def _add_targets(self, a: Agent, q: Queue, slots: list[Slot], at: float, push: bool) -> None:
        skills = a.profile.skills
        neg_prof = -sum(skills[s].proficiency for s in q.cfg.required_skills if s in skills)
        for slot in slots:
            if not self._eligible(a, slot, at):
                continue
            ch = slot.channel
            if ch not in a.targets:
                a.targets[ch], a.wslots[ch], a.least[ch], a.missing[ch] = [], [], [], []
                a.channels.append(ch)
                a.room_cache.clear()
                a.room = self._room_for(a)
            target = (slot, slot.mode, neg_prof)
            a.targets[ch].append(target)
            a.target_of[slot] = target
            if slot.mode == LEAST:
                a.least[ch].append(target)
                a.has_least = True
            a.wslots[ch].append(slot)
            slot.n_eligible += 1
            slot.agent_limit = max(slot.agent_limit, 2 * slot.n_eligible + 64)
            if push and a.ready and ch in a.room:  # a brand-new slot: nothing waits in it, no entry of his
                rank, since = self._key(a, slot, neg_prof)
                slot.agents.push(rank, since, a.aseq, a.epoch, a)
                a.inheap.add(slot)
            else:
                a.missing[ch].append(target)

    @staticmethod
    def _eligible(a: Agent, slot: Slot, at: float) -> bool:
        if slot.site is not None and a.site != slot.site:
            return False
        skills = a.profile.skills
        for name, minimum in slot.req.items():
            held = skills.get(name)
            if held is None or held.proficiency < minimum or not held.certified_at(at):
                return False
        return True
