"""The catalog's one-round-trip reads, and the guide served as its stored text.

A guide is stored as the response body itself (models.ServedJSON): the detail endpoint sends the
column's text without decoding and re-encoding ~5 KB of JSON, read on the pooled driver
connection with a prepared statement rather than through an SQLAlchemy execution context."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.errors import ServiceNotFound
from app.catalog.guide import build_guide, load_items
from app.extensions import db

GUIDE_TEXT = sa.select(m.ServiceItem.id, sa.cast(m.ServiceItem.guide, sa.Text)).where(
    m.ServiceItem.implementation_code == sa.bindparam("code"), m.ServiceItem.active.is_(True)
)
_raw_sql: dict = {}  # (statement, dialect) -> its SQL text for the driver


def read_first(stmt, params: dict | None = None):
    """The first row of a read-only statement. Outside a transaction it runs on its own
    autocommitted connection: one round trip instead of BEGIN, SELECT and ROLLBACK (the catalog's
    hot reads). Inside one it runs in the session, so it sees that transaction's writes."""
    if db.session().in_transaction():
        return db.session.execute(stmt, params).first()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(stmt, params).first()


def read_first_raw(stmt, params: dict):
    """`read_first` for a statement whose columns need no result processing, run on the pooled
    psycopg connection itself (a prepared statement, no SQLAlchemy execution context): a third of
    the CPU. Other drivers, and reads inside a transaction, go through `read_first`."""
    engine = db.engine
    if engine.dialect.driver != "psycopg" or db.session().in_transaction():
        return read_first(stmt, params)
    sql = _raw_sql.get((stmt, engine.dialect))
    if sql is None:
        sql = _raw_sql[(stmt, engine.dialect)] = str(stmt.compile(dialect=engine.dialect))
    pooled = engine.raw_connection()
    try:
        conn = pooled.driver_connection
        conn.autocommit = True
        try:
            return conn.execute(sql, params, prepare=True).fetchone()
        finally:
            conn.autocommit = False
    finally:
        pooled.close()


def guide_text(code: str) -> str:
    """`service.get_service(code)` as the response body (`models.served_json` of the guide): the
    stored text as it is (tests/miniprogram_api/test_catalog_bodies.py holds it equal to the
    schema's dump of `get_service`)."""
    row = read_first_raw(GUIDE_TEXT, {"code": code})
    if row is None:
        raise ServiceNotFound()
    item_id, text = row
    if stored_as_served(text):
        return text
    if text is None or text == "null":  # written before guides were stored; build it now
        return m.served_json(build_guide(load_items([item_id])[0]))
    return m.served_json(json.loads(text))  # stored before the column was ServedJSON


def stored_as_served(text: str | None) -> bool:
    """Whether a stored guide's text is in the served form: compact separators (`{"code":"…`),
    where a guide stored before the column was ServedJSON has `{"code": "…` (json.dumps's
    default, ASCII-escaped). The guide's keys are identifiers, so the first `"` after the
    opening one closes the first key."""
    if not text or not text.startswith('{"'):
        return False
    end = text.find('"', 2)
    return end > 0 and text.startswith(":", end + 1) and not text.startswith(": ", end + 1)
