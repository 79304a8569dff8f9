"""The event log as a Parquet dataset, where reporting can read it without touching the database.

Layout (Hive partitioning): `<dir>/month=YYYY-MM/type=<event type>/*.parquet`, the month of `occurred_at` in
UTC. A report names the event types it needs and its months, so the reader opens only those directories;
LZ4 compression decodes about twice as fast as zstd for a third more disk. A month is exported whole and
replaces its directory atomically (written aside, then renamed), so exporting again is safe and a reader
never sees half a month. The directory can live on shared or object storage and be queried where it lies
by any Parquet reader (Polars, DuckDB, Spark): see docs/architecture.md, "Reporting at scale".
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

COMPRESSION: Final = "lz4"
ROW_GROUP_SIZE = 1_000_000


def month_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def months_between(start: datetime, end: datetime) -> list[date]:
    """The first days of the UTC months that [start, end) touches."""
    first = start.astimezone(UTC).date().replace(day=1)
    last = end.astimezone(UTC)
    months = []
    while datetime(first.year, first.month, 1, tzinfo=UTC) < last:
        months.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return months


def write_month(events: pl.DataFrame, directory: Path, month: str) -> int:
    """Write one UTC month of events (the frame holds that month only) and replace it in the dataset."""
    moments = events.get_column("occurred_at")
    if events.height and {month_key(moments.min()), month_key(moments.max())} != {month}:  # type: ignore[arg-type]
        raise ValueError(f"events outside the month {month}")
    aside = directory / f".month={month}.{uuid.uuid4().hex}"
    aside.mkdir(parents=True)
    events = events.with_columns(pl.col("type").cast(pl.String))
    for (kind,), part in events.sort("occurred_at").partition_by("type", as_dict=True).items():
        folder = aside / f"type={kind}"
        folder.mkdir()
        part.drop("type").write_parquet(folder / "part-0.parquet", compression=COMPRESSION,
                                        row_group_size=ROW_GROUP_SIZE, statistics=True)
    target = directory / f"month={month}"
    if target.exists():  # swap: rename the old one away first, so a reader finds one or the other
        old = directory / f".old-{month}.{uuid.uuid4().hex}"
        target.rename(old)
        aside.rename(target)
        shutil.rmtree(old)
    else:
        aside.rename(target)
    return events.height


def write_frame(events: pl.DataFrame, directory: Path,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Write a frame of any span, month by month."""
    directory.mkdir(parents=True, exist_ok=True)
    month = pl.col("occurred_at").dt.year() * 100 + pl.col("occurred_at").dt.month()
    by_month = events.with_columns(month.alias("_month")).partition_by("_month", as_dict=True)
    written = 0
    for done, ((key,), part) in enumerate(sorted(by_month.items()), start=1):
        written += write_month(part.drop("_month"), directory, f"{key // 100:04d}-{key % 100:02d}")
        if progress:
            progress(done, len(by_month))
    return written


def scan(directory: Path, start: datetime | None = None, end: datetime | None = None) -> pl.LazyFrame:
    """The dataset as one lazy frame with a `type` column; only the months of [start, end) are listed, and a
    filter on `type` reads only that type's files."""
    if not directory.is_dir():
        raise FileNotFoundError(f"no event export at {directory}")
    if start is not None and end is not None:
        wanted = {m.strftime("%Y-%m") for m in months_between(start, end)}
        sources = [p for p in sorted(directory.glob("month=*/type=*/*.parquet"))
                   if p.parent.parent.name.removeprefix("month=") in wanted]
    else:
        sources = sorted(directory.glob("month=*/type=*/*.parquet"))
    if not sources:
        raise FileNotFoundError(f"no exported events in {directory} for that period")
    return pl.scan_parquet(sources, hive_partitioning=True, missing_columns="insert",
                           extra_columns="ignore").drop("month", strict=False)
