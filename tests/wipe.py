"""Clean slates shared by the test packages' conftests: the rows of some tables deleted, in order,
in a transaction of their own."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db


def delete_rows(app, tables) -> None:
    """Delete every row of `tables` (children before parents), outside any test transaction."""
    with app.app_context():
        db.session.rollback()
        for table in tables:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()
