"""The heaps of slot_heaps.py (both kinds: native vectors for the compiled build, tuples for the interpreted
one) and event_heap.py against `heapq` on tuples: after any sequence of operations they give the same head,
and pop everything in the same order."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.routing.event_heap import EventHeap
from helpline.routing.model import AgentProfile, QueueConfig
from helpline.routing.slot_heaps import AgentHeap, WaitHeap, _TupleAgentHeap, _TupleWaitHeap
from helpline.routing.state import BEST, Agent, Interaction, Queue, Slot

AGENTS = [Agent(AgentProfile(f"a{i}"), i, 0.0, False) for i in range(6)]
QUEUE = Queue(QueueConfig("q", "voice"), "voice", [({}, None)])
SLOT = Slot(QUEUE, 0, None, {}, None, BEST)

small = st.integers(-3, 3)
moment = st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0])
agent_op = st.one_of(
    st.tuples(st.just("push"), small, moment, st.integers(0, 5), st.integers(0, 2)),
    st.tuples(st.just("pop")),
    st.tuples(st.just("rekey"), small, moment),
    st.tuples(st.just("clear")))


def agent_head(h: AgentHeap) -> tuple[int, float, int, int, str]:
    rank, since, epoch, a = h.head()
    return rank, since, a.aseq, epoch, a.id


@pytest.mark.parametrize("kind", [AgentHeap, _TupleAgentHeap])
@settings(max_examples=300)
@given(ops=st.lists(agent_op, max_size=80))
def test_the_agent_heap_keeps_the_order_of_heapq_on_tuples(kind, ops):
    h, ref = kind(), []
    for op in ops:
        if op[0] == "push":
            _, rank, since, aseq, epoch = op
            a = AGENTS[aseq]
            h.push(rank, since, aseq, epoch, a)
            heapq.heappush(ref, (rank, since, aseq, epoch, a.id))
        elif op[0] == "pop" and ref:
            h.pop()
            heapq.heappop(ref)
        elif op[0] == "rekey" and ref:
            _, rank, since = op
            h.rekey_head(rank, since)
            _, _, aseq, epoch, aid = ref[0]
            heapq.heapreplace(ref, (rank, since, aseq, epoch, aid))
        elif op[0] == "clear":
            h.clear()
            ref.clear()
        assert len(h) == len(ref)
        if ref:
            assert agent_head(h) == ref[0]
            assert sorted(h.entry(i)[:3] for i in range(len(h))) == sorted((e[0], e[1], e[3]) for e in ref)
    drained = []
    while len(h):
        drained.append(agent_head(h))
        h.pop()
    assert drained == sorted(ref)


wait_op = st.one_of(
    st.tuples(st.just("push"), st.integers(0, 7)),
    st.tuples(st.just("pop")),
    st.tuples(st.just("leave"), st.integers(0, 7)),  # its entry dies: the interaction drops its ticket
    st.tuples(st.just("compact")))


@pytest.mark.parametrize("kind", [WaitHeap, _TupleWaitHeap])
@settings(max_examples=300)
@given(keys=st.lists(st.tuples(st.integers(-2, 0), moment), min_size=8, max_size=8),
       ops=st.lists(wait_op, max_size=80))
def test_the_wait_heap_serves_the_live_entries_in_heapq_order(kind, keys, ops):
    recs = []
    for i, (neg_prio, arrival) in enumerate(keys):
        rec = Interaction(f"i{i}", arrival, i, 0, 0, None, QUEUE, SLOT, 0)
        rec.neg_prio = neg_prio
        recs.append(rec)
    h, ref, ticket = kind(), [], 0
    for step, op in enumerate(ops):
        if op[0] == "push":
            rec = recs[op[1]]
            ticket += 1
            rec.ticket = ticket
            h.push(rec, ticket)
            heapq.heappush(ref, (rec.neg_prio, rec.arrival, rec.seq, ticket, rec.id))
        elif op[0] == "pop" and ref:
            h.pop()
            heapq.heappop(ref)
        elif op[0] == "leave":
            recs[op[1]].ticket = 0
        elif op[0] == "compact":
            h.keep_live()
            ref = [e for e in ref if recs[int(e[4][1:])].ticket == e[3]]
            heapq.heapify(ref)
        assert len(h) == len(ref)
        live = sorted(e for e in ref if recs[int(e[4][1:])].ticket == e[3])
        assert sorted(rec.id for rec in h.live()) == sorted(e[4] for e in live)
        if step % 3 == 0:  # now and then take the live head as `_serve` does: dead ones above it go
            head = h.live_head()
            assert (head.id if head else None) == (live[0][4] if live else None)
            while ref and recs[int(ref[0][4][1:])].ticket != ref[0][3]:
                heapq.heappop(ref)
            assert len(h) == len(ref)


@settings(max_examples=200)
@given(st.lists(st.one_of(st.tuples(moment, st.integers(0, 6), st.integers(0, 10**6)), st.none()), max_size=120))
def test_the_event_heap_pops_in_moment_kind_index_order(ops):
    h, ref = EventHeap(), []
    for op in ops:
        if op is None:
            if ref:
                assert h.pop() == heapq.heappop(ref)
        else:
            h.push(*op)
            heapq.heappush(ref, op)
        assert len(h) == len(ref)
        if ref:
            assert h.first_time() == ref[0][0]
    assert [h.pop() for _ in range(len(h))] == sorted(ref)
