"""A slot's two heaps: its available agents and its waiting interactions, smallest entry first.

Compiled with the engine (setup.py), they are unboxed vectors (`librt.vecs`, mypyc's native arrays) beside a
list of the records, rather than Python tuples in a `heapq` list: a push, pop or re-key then allocates nothing
and compares machine numbers. Interpreted, `heapq`'s C code on tuples is the faster of the two, so the sources
use the tuple subclasses at the end (`agent_heap` and `wait_heap` choose). Both give the same heads: every entry
differs from every other in its key, or is identical to it in all its fields, so the head is the same entry
whatever a heap's inner arrangement, and the engine's decisions do not depend on how a heap sifts.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush, heapreplace
from typing import TYPE_CHECKING, Final

from librt.vecs import append, vec
from mypy_extensions import i64

if TYPE_CHECKING:
    from helpline.routing.state import Agent, Interaction

COMPILED: Final = __file__.endswith((".so", ".pyd"))  # this module was compiled by mypyc


def _before(a1: i64, a2: float, a3: i64, a4: i64, b1: i64, b2: float, b3: i64, b4: i64) -> bool:
    """(a1, a2, a3, a4) < (b1, b2, b3, b4): both heaps' order."""
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    if a3 != b3:
        return a3 < b3
    return a4 < b4


class AgentHeap:
    """The entries (rank, since, aseq, epoch, agent) of a slot's available agents, smallest first.

    (rank, since) is the key of the queue's agent-choice rule (heaps.py `_key`), `aseq` (the agent's log-in
    order) breaks ties, and `epoch` is the agent's epoch when the entry was made: it is live while he keeps it.
    """

    __slots__ = ("agents", "aseqs", "epochs", "ranks", "sinces", "size")

    def __init__(self) -> None:
        self.ranks: vec[i64] = vec[i64]()
        self.sinces: vec[float] = vec[float]()
        self.aseqs: vec[i64] = vec[i64]()
        self.epochs: vec[i64] = vec[i64]()
        self.agents: list[Agent] = []
        self.size: i64 = 0  # entries in use; the vectors only grow

    def __len__(self) -> int:
        return self.size

    def head(self) -> tuple[i64, float, i64, Agent]:
        """(rank, since, epoch, agent) of the smallest entry (the heap must not be empty)."""
        return self.ranks[0], self.sinces[0], self.epochs[0], self.agents[0]

    def entry(self, i: i64) -> tuple[i64, float, i64, Agent]:
        """(rank, since, epoch, agent) of the i-th entry, 0 <= i < size, in no particular order."""
        return self.ranks[i], self.sinces[i], self.epochs[i], self.agents[i]

    def push(self, rank: i64, since: float, aseq: i64, epoch: i64, agent: Agent) -> None:
        i = self.size
        if i == len(self.ranks):
            self.ranks = append(self.ranks, rank)
            self.sinces = append(self.sinces, since)
            self.aseqs = append(self.aseqs, aseq)
            self.epochs = append(self.epochs, epoch)
            self.agents.append(agent)
        self.size = i + 1
        ranks, sinces, aseqs, epochs, agents = self.ranks, self.sinces, self.aseqs, self.epochs, self.agents
        while i > 0:
            up = (i - 1) >> 1
            if not _before(rank, since, aseq, epoch, ranks[up], sinces[up], aseqs[up], epochs[up]):
                break
            ranks[i], sinces[i], aseqs[i] = ranks[up], sinces[up], aseqs[up]
            epochs[i], agents[i] = epochs[up], agents[up]
            i = up
        ranks[i], sinces[i], aseqs[i], epochs[i], agents[i] = rank, since, aseq, epoch, agent

    def pop(self) -> None:
        """Removes the head."""
        n = self.size - 1
        self.size = n
        if n > 0:
            self._sift_down(self.ranks[n], self.sinces[n], self.aseqs[n], self.epochs[n], self.agents[n], n)

    def rekey_head(self, rank: i64, since: float) -> None:
        """The head's agent has a new key: his entry moves to its place."""
        self._sift_down(rank, since, self.aseqs[0], self.epochs[0], self.agents[0], self.size)

    def _sift_down(self, rank: i64, since: float, aseq: i64, epoch: i64, agent: Agent, n: i64) -> None:
        """Puts the entry at the root of the first n and moves it down to its place."""
        ranks, sinces, aseqs, epochs, agents = self.ranks, self.sinces, self.aseqs, self.epochs, self.agents
        i: i64 = 0
        while True:
            j = 2 * i + 1
            if j >= n:
                break
            k = j + 1
            if k < n and _before(ranks[k], sinces[k], aseqs[k], epochs[k], ranks[j], sinces[j], aseqs[j],
                                       epochs[j]):
                j = k
            if not _before(ranks[j], sinces[j], aseqs[j], epochs[j], rank, since, aseq, epoch):
                break
            ranks[i], sinces[i], aseqs[i], epochs[i], agents[i] = ranks[j], sinces[j], aseqs[j], epochs[j], agents[j]
            i = j
        ranks[i], sinces[i], aseqs[i], epochs[i], agents[i] = rank, since, aseq, epoch, agent

    def clear(self) -> None:
        self.size = 0


class WaitHeap:
    """The entries (priority key, arrival, seq, ticket, interaction) of a slot's waiting interactions, first
    to serve first. An entry is live while its interaction holds its ticket (`Interaction.ticket`); a live
    entry's key is its interaction's (`neg_prio`, `arrival`, `seq`), so readers take the key from the record."""

    __slots__ = ("arrivals", "prios", "recs", "seqs", "size", "tickets")

    def __init__(self) -> None:
        self.prios: vec[i64] = vec[i64]()
        self.arrivals: vec[float] = vec[float]()
        self.seqs: vec[i64] = vec[i64]()
        self.tickets: vec[i64] = vec[i64]()
        self.recs: list[Interaction] = []
        self.size: i64 = 0

    def __len__(self) -> int:
        return self.size

    def push(self, rec: Interaction, ticket: i64) -> None:
        prio, arrival, seq = rec.neg_prio, rec.arrival, rec.seq
        i = self.size
        if i == len(self.prios):
            self.prios = append(self.prios, prio)
            self.arrivals = append(self.arrivals, arrival)
            self.seqs = append(self.seqs, seq)
            self.tickets = append(self.tickets, ticket)
            self.recs.append(rec)
        self.size = i + 1
        prios, arrivals, seqs, tickets, recs = self.prios, self.arrivals, self.seqs, self.tickets, self.recs
        while i > 0:
            up = (i - 1) >> 1
            if not _before(prio, arrival, seq, ticket, prios[up], arrivals[up], seqs[up], tickets[up]):
                break
            prios[i], arrivals[i], seqs[i] = prios[up], arrivals[up], seqs[up]
            tickets[i], recs[i] = tickets[up], recs[up]
            i = up
        prios[i], arrivals[i], seqs[i], tickets[i], recs[i] = prio, arrival, seq, ticket, rec

    def pop(self) -> None:
        """Removes the head."""
        n = self.size - 1
        self.size = n
        if n <= 0:
            return
        prio, arrival, seq, ticket, rec = self.prios[n], self.arrivals[n], self.seqs[n], self.tickets[n], self.recs[n]
        prios, arrivals, seqs, tickets, recs = self.prios, self.arrivals, self.seqs, self.tickets, self.recs
        i: i64 = 0
        while True:
            j = 2 * i + 1
            if j >= n:
                break
            k = j + 1
            if k < n and _before(prios[k], arrivals[k], seqs[k], tickets[k], prios[j], arrivals[j], seqs[j],
                                       tickets[j]):
                j = k
            if not _before(prios[j], arrivals[j], seqs[j], tickets[j], prio, arrival, seq, ticket):
                break
            prios[i], arrivals[i], seqs[i], tickets[i], recs[i] = prios[j], arrivals[j], seqs[j], tickets[j], recs[j]
            i = j
        prios[i], arrivals[i], seqs[i], tickets[i], recs[i] = prio, arrival, seq, ticket, rec

    def live_head(self) -> Interaction | None:
        """The first live interaction, dead entries above it removed."""
        while self.size:
            rec = self.recs[0]
            if rec.ticket == self.tickets[0]:
                return rec
            self.pop()
        return None

    def live(self) -> list[Interaction]:
        """The interactions of the live entries, in no particular order."""
        return [self.recs[i] for i in range(self.size) if self.recs[i].ticket == self.tickets[i]]

    def keep_live(self) -> None:
        """Drops the dead entries."""
        live = self.live()
        self.size = 0
        for rec in live:
            self.push(rec, rec.ticket)

    def clear(self) -> None:
        self.size = 0


class _TupleAgentHeap(AgentHeap):
    """AgentHeap as `heapq` on (rank, since, aseq, epoch, agent) tuples: for the interpreted build."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[i64, float, i64, i64, Agent]] = []

    def head(self) -> tuple[i64, float, i64, Agent]:
        rank, since, _, epoch, agent = self.entries[0]
        return rank, since, epoch, agent

    def entry(self, i: i64) -> tuple[i64, float, i64, Agent]:
        rank, since, _, epoch, agent = self.entries[i]
        return rank, since, epoch, agent

    def push(self, rank: i64, since: float, aseq: i64, epoch: i64, agent: Agent) -> None:
        heappush(self.entries, (rank, since, aseq, epoch, agent))
        self.size += 1

    def pop(self) -> None:
        heappop(self.entries)
        self.size -= 1

    def rekey_head(self, rank: i64, since: float) -> None:
        _, _, aseq, epoch, agent = self.entries[0]
        heapreplace(self.entries, (rank, since, aseq, epoch, agent))

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


class _TupleWaitHeap(WaitHeap):
    """WaitHeap as `heapq` on (priority key, arrival, seq, ticket, interaction) tuples: for the interpreted build."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[i64, float, i64, i64, Interaction]] = []

    def push(self, rec: Interaction, ticket: i64) -> None:
        heappush(self.entries, (rec.neg_prio, rec.arrival, rec.seq, ticket, rec))
        self.size += 1

    def pop(self) -> None:
        heappop(self.entries)
        self.size -= 1

    def live_head(self) -> Interaction | None:
        entries = self.entries
        while entries:
            rec = entries[0][4]
            if rec.ticket == entries[0][3]:
                return rec
            heappop(entries)
            self.size -= 1
        return None

    def live(self) -> list[Interaction]:
        return [e[4] for e in self.entries if e[4].ticket == e[3]]

    def keep_live(self) -> None:
        self.entries[:] = [e for e in self.entries if e[4].ticket == e[3]]
        heapify(self.entries)
        self.size = len(self.entries)

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


def agent_heap() -> AgentHeap:
    return AgentHeap() if COMPILED else _TupleAgentHeap()


def wait_heap() -> WaitHeap:
    return WaitHeap() if COMPILED else _TupleWaitHeap()
