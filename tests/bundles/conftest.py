"""Bundle application fixtures: a clean slate of bundle, case, staff, licence and identity rows
around every test (the staff API's), a test calendar, and a test bundle of three seeded items."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.catalog.bundle_models import Bundle, BundleMember
from app.extensions import db
from app.worker import clear_queues
from notifications.models import TABLES as NOTIFICATION_TABLES
from tests.bundles.helpers import TRIO, trio_bundle
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.staff_api.conftest import _clean  # noqa: F401 - the staff API's clean slate (bundles included)


def _wipe_messages(app) -> None:
    with app.app_context():
        for table in NOTIFICATION_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        clear_queues()
        db.session.remove()


@pytest.fixture(autouse=True)
def _quiet(_clean, sandbox_app):  # noqa: F811 - runs after the imported clean slate
    """No queued job nor message of another test (set up after, torn down before the clean slate)."""
    _wipe_messages(sandbox_app)
    yield
    _wipe_messages(sandbox_app)


def _drop(code: str) -> None:
    # SQLite does not cascade the members: they go first
    ids = sa.select(Bundle.id).where(Bundle.code == code).scalar_subquery()
    db.session.execute(sa.delete(BundleMember).where(BundleMember.bundle_id == ids))
    db.session.execute(sa.delete(Bundle).where(Bundle.code == code))


@pytest.fixture
def trio(sandbox_app):
    """The test bundle (three seeded items of three departments, one question, a dependency)."""
    with sandbox_app.app_context():
        _drop(TRIO)
        db.session.add(trio_bundle())
        db.session.commit()
        db.session.remove()
    yield TRIO
    with sandbox_app.app_context():
        _drop(TRIO)
        db.session.commit()
        db.session.remove()
