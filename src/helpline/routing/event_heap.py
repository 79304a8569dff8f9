"""The simulation driver's queue of future events: a binary heap of (moment, kind, index), popped in that
order, kept in two unboxed vectors (`librt.vecs`, mypyc's native arrays) rather than as Python tuples in a
`heapq` list. Compiled with the engine (setup.py), a push or pop then allocates nothing and compares
machine floats: about six times faster than `heapq` on tuples (docs/benchmarks.md). Interpreted, it gives the
same order, only slower."""

from __future__ import annotations

from typing import Final

from librt.vecs import append, vec
from mypy_extensions import i64

_KIND_SHIFT: Final = 40  # kind and index share one integer: kind * 2**40 + index keeps (kind, index) order


class EventHeap:
    __slots__ = ("codes", "size", "times")

    def __init__(self) -> None:
        self.times: vec[float] = vec[float]()
        self.codes: vec[i64] = vec[i64]()
        self.size: i64 = 0  # entries in use; the vectors only grow

    def __len__(self) -> int:
        return self.size

    def first_time(self) -> float:
        """The moment of the next event (the heap must not be empty)."""
        return self.times[0]

    def push(self, t: float, kind: i64, index: i64) -> None:
        c = (kind << _KIND_SHIFT) | index
        times, codes = self.times, self.codes
        i = self.size
        if i == len(times):
            times = self.times = append(times, t)
            codes = self.codes = append(codes, c)
        self.size = i + 1
        while i > 0:  # sift up
            parent = (i - 1) >> 1
            tp = times[parent]
            if t < tp or (t == tp and c < codes[parent]):
                times[i] = tp
                codes[i] = codes[parent]
                i = parent
            else:
                break
        times[i] = t
        codes[i] = c

    def pop(self) -> tuple[float, i64, i64]:
        """(moment, kind, index) of the earliest event, removed."""
        times, codes = self.times, self.codes
        top_t, top_c = times[0], codes[0]
        n = self.size - 1
        self.size = n
        if n > 0:  # the last entry sifts down from the root
            t, c = times[n], codes[n]
            i: i64 = 0
            while True:
                j = 2 * i + 1
                if j >= n:
                    break
                tj, cj = times[j], codes[j]
                if j + 1 < n:
                    tk, ck = times[j + 1], codes[j + 1]
                    if tk < tj or (tk == tj and ck < cj):
                        j += 1
                        tj, cj = tk, ck
                if tj < t or (tj == t and cj < c):
                    times[i] = tj
                    codes[i] = cj
                    i = j
                else:
                    break
            times[i] = t
            codes[i] = c
        return top_t, top_c >> _KIND_SHIFT, top_c & ((1 << _KIND_SHIFT) - 1)
