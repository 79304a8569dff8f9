"""Bulk inserts for the demo's hundreds of thousands of rows: values are converted once, here, and
handed to the driver's executemany in batches (SQLAlchemy's per-value processing would cost more than
the inserts themselves). Ids are assigned by the caller, so rows can reference each other."""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

BATCH = 5000
Progress = Callable[[str, int, int], None]
_EPOCH = datetime(1970, 1, 1)


class Writer:
    """Converts values the way the database driver wants them and inserts rows in batches."""

    def __init__(self, session: Session, progress: Progress | None = None, step: str = "", total: int = 0) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.sqlite = self.dialect.name == "sqlite"
        self.progress, self.step, self.total, self.done = progress, step, total, 0

    def ms(self, value: int | None) -> str | None:
        """A time given in milliseconds since the epoch, as text the database reads as UTC: SQLite keeps
        SQLAlchemy's naive-UTC text, PostgreSQL's COPY parses the offset."""
        if value is None:
            return None
        text = (_EPOCH + timedelta(milliseconds=value)).isoformat(" ", "microseconds")
        return text if self.sqlite else text + "+00:00"

    def json(self, value: Any) -> str:
        return orjson.dumps(value).decode() if value else "{}" if isinstance(value, dict) else "[]"

    def convert(self, value: Any) -> Any:
        """Any other value: aware datetimes, dates, JSON documents and plain scalars."""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Helpline stores aware UTC datetimes")
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            return text if self.sqlite else text + "+00:00"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict | list):
            return self.json(value)
        return value

    def insert(self, model: Any, names: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert tuples of already converted values (in the order of `names`)."""
        columns = ", ".join(self.dialect.identifier_preparer.quote(name) for name in names)
        if self.dialect.name == "postgresql":
            self._copy(f"COPY {model.__table__.name} ({columns}) FROM STDIN", rows)
            return
        marks = ", ".join(["?" if self.dialect.paramstyle == "qmark" else "%s"] * len(names))
        sql = f"INSERT INTO {model.__table__.name} ({columns}) VALUES ({marks})"
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._flush(sql, batch)
                batch = []
        if batch:
            self._flush(sql, batch)

    def insert_dicts(self, model: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Insert dicts with the same keys (every required column given), converting each value."""
        if rows:
            names = list(rows[0])
            self.insert(model, names, (tuple(self.convert(row[n]) for n in names) for row in rows))

    def _flush(self, sql: str, batch: list[tuple[Any, ...]]) -> None:
        self.connection.exec_driver_sql(sql, batch)
        self._advance(len(batch))

    def _copy(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """PostgreSQL's COPY, in the session's own transaction: many times faster than INSERTs."""
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            count = 0
            for row in rows:
                copy.write_row(row)
                count += 1
                if count == BATCH:
                    self._advance(count)
                    count = 0
            self._advance(count)

    def _advance(self, count: int) -> None:
        self.done += count
        if self.progress is not None and count:
            self.progress(self.step, self.done, max(self.total, self.done))

    def roomy_cache(self, on: bool) -> None:
        """SQLite's default 2 MB page cache makes index updates of a big load thrash; 256 MB while loading."""
        if self.sqlite:
            self.connection.exec_driver_sql(f"PRAGMA cache_size={-262144 if on else -2000}")


def next_id(session: Session, model: Any, column: str = "id") -> int:
    return int(session.scalar(select(func.coalesce(func.max(getattr(model, column)), 0))) or 0) + 1


def sync_sequence(session: Session, table: str, column: str = "id") -> None:
    """PostgreSQL serials do not see explicit ids: move them past the largest one. SQLite needs nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                         f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"))

