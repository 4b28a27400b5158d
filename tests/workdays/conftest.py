"""Workday tests start and end with an empty calendar table."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db


def _wipe(app) -> None:
    with app.app_context():
        db.session.rollback()
        db.session.execute(sa.text("DELETE FROM calendar_days"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean(app):
    _wipe(app)
    yield
    _wipe(app)
