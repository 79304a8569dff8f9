"""Set-based INSERT of many rows, for the hot write paths (intake, the event log).

On PostgreSQL the rows travel as one JSON array, serialized by orjson, and the database turns it into rows
of the table's own type: `INSERT … SELECT … FROM jsonb_populate_recordset(NULL::table, %s)`. The statement
text depends only on the table and the columns, never on the number of rows, and no row costs any SQL text
or per-value parameter handling in Python. (A multi-row VALUES list was a new, long statement for every batch
size, converted from scratch each time; `unnest()` of one array per column was measured too, and its
per-array encoding in psycopg cost about twice the CPU of this: see docs/benchmarks.md.)
Other databases (SQLite) get SQLAlchemy's multi-row INSERT.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Insert, Table, insert
from sqlalchemy.exc import DataError

_statements: dict[tuple[str, tuple[str, ...], str | None], str] = {}  # per (table, columns, returning)
_inserts: dict[tuple[str, str | None], Insert] = {}  # built once: a statement object caches its compiled form


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]],
                returning: Column[Any] | None = None) -> list[Any]:
    """Insert `rows` (dicts with the same keys) in one statement. With `returning` (a column the database
    fills from a sequence, such as the primary key), return its values in the order of `rows`."""
    if not rows:
        return []
    if connection.dialect.name != "postgresql":
        key = (table.name, returning.name if returning is not None else None)
        statement = _inserts.get(key)
        if statement is None:  # RETURNING makes SQLAlchemy send one multi-row INSERT, not an executemany
            statement = _inserts[key] = insert(table).returning(
                returning if returning is not None else table.primary_key.columns[0], sort_by_parameter_order=True)
        values = connection.execute(statement, rows).scalars().all()
        return list(values) if returning is not None else []
    sql = _statement(connection, table, tuple(rows[0]), returning)
    try:
        document = orjson.dumps(rows, default=_aware_datetime, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    except orjson.JSONEncodeError as error:
        if isinstance(error.__cause__, ValueError):  # a naive datetime: a bug, not bad input
            raise error.__cause__ from None
        raise DataError(sql, None, error) from error  # an integer past 64 bits, which the database refuses too
    result = connection.exec_driver_sql(sql, (document,))
    if returning is None:
        return []
    # The rows are inserted in `ordinality` order, so the sequence hands out ascending values in that order.
    return sorted(value for (value,) in result)


def _statement(connection: Connection, table: Table, names: tuple[str, ...], returning: Column[Any] | None) -> str:
    key = (table.name, names, returning.name if returning is not None else None)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.dialect.identifier_preparer.quote
        target = quote(table.name)
        columns = ", ".join(quote(name) for name in names)
        sql = (f"INSERT INTO {target} ({columns}) SELECT {columns} "
               f"FROM jsonb_populate_recordset(NULL::{target}, %s::jsonb) WITH ORDINALITY AS r ORDER BY r.ordinality")
        if returning is not None:
            sql += f" RETURNING {quote(returning.name)}"
        _statements[key] = sql
    return sql


def _aware_datetime(value: Any) -> str:
    """orjson writes str, int, None and dicts (for JSONB) as the database reads them; datetimes come here to
    keep UTCDateTime's rule that they carry a time zone (a naive one would be read in the session's zone)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Helpline stores aware UTC datetimes")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not stored by bulk inserts")
