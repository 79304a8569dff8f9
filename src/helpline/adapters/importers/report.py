"""What an import did: counts, and the lines it could not use with their reasons (never fatal)."""

from collections import Counter
from dataclasses import dataclass, field

FIRST_LINES = 5  # how many offending line numbers to keep per reason


@dataclass
class Problems:
    """Skipped lines counted per reason, with the first few line numbers of each (1-based, as in an editor)."""

    counts: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, reason: str, line_no: int) -> None:
        self.counts[reason] += 1
        first = self.lines.setdefault(reason, [])
        if len(first) < FIRST_LINES:
            first.append(line_no)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ImportReport:
    source: str  # queue_log, bank, csv
    read: int = 0  # lines or rows read (a header excluded)
    interactions: int = 0  # interactions created
    continued: int = 0  # interactions already stored that this import added events to (a grown queue_log)
    events: int = 0
    already: int = 0  # lines or rows imported before: nothing added for them
    queues_created: int = 0
    agents_created: int = 0
    skipped: Problems = field(default_factory=Problems)
    notes: Counter[str] = field(default_factory=Counter)  # handled, but worth knowing (reordered lines, …)
    seconds: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)  # source-specific totals (bank: offered, answered, …)


class ImportRefused(ValueError):
    """The whole file (or its mapping, or an option) is unusable: nothing is imported. Single broken lines
    never raise this; they are counted in `ImportReport.skipped`."""
