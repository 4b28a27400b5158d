"""Which database the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL), for the
tests that prove row locks and races on PostgreSQL only."""

from __future__ import annotations

from app.extensions import db


def on_postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"
