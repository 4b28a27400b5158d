"""Notifications test fixtures: a clean slate of notification, case, staff, licence and identity
rows, empty queues and a fresh sandbox message log around every test; retries without waits
(intervals of 0 s, so `drain()` runs them in the same burst)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import TABLES as STAFF_TABLES
from app.worker import clear_queues
from notifications.models import TABLES as NOTIFICATION_TABLES
from tests.cases.conftest import wipe_cases
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.licences.conftest import _wipe as _wipe_licences_and_identity


def _wipe(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in (*NOTIFICATION_TABLES, *STAFF_TABLES):
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        clear_queues()
        db.session.remove()
    wipe_cases(app)
    _wipe_licences_and_identity(app)


def _reset_sandbox(sandbox) -> None:
    with sandbox.wechat.lock:
        for name in ("messages", "subscribe_errors", "subscribe_holds", "subscribe_received", "failures"):
            getattr(sandbox.wechat, name).clear()
    with sandbox.alipay.lock:
        for name in ("mini_messages", "mini_message_errors", "mini_message_holds", "mini_message_received", "failures"):
            getattr(sandbox.alipay, name).clear()


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, sandbox, tmp_path, monkeypatch):
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    monkeypatch.setitem(sandbox_app.config, "NOTIFICATIONS_RETRY_INTERVALS", (0, 0, 0))
    _wipe(app)
    _reset_sandbox(sandbox)
    yield
    _wipe(app)
    _reset_sandbox(sandbox)
