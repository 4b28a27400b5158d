"""Bulk writing of generated rows: COPY on PostgreSQL (psycopg), executemany on SQLite.

Rows are tuples of plain values in the order of `columns`; JSON columns come as text and
encrypted columns as the app's ciphertexts, so nothing here knows about types. Ids are given
by the generator (`next_ids`), and PostgreSQL's sequences are moved past them at the end.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa


def _sqlite_value(value):
    # the text SQLAlchemy's SQLite types write, so the app's comparisons see the same shape
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class Writer:
    """Writes batches of rows into tables through one SQLAlchemy connection (the caller commits)."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = {}

    def next_ids(self, table: str) -> int:
        """The first free id of `table`."""
        return int(self.connection.execute(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar())

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        self.written[table] = self.written.get(table, 0) + len(rows)
        if self.postgres:
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        raw = self.connection.connection.driver_connection
        raw.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the written ids."""
        if not self.postgres:
            return
        for table in self.written:
            self.connection.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
