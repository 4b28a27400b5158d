"""Delivery test fixtures: clean delivery, case, staff, licence and identity rows around every
test, empty queues, order retries without waiting, and our app served on loopback so the SF
simulator can push route updates to /delivery/notify/sf over real HTTP."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.staff.models import TABLES as STAFF_TABLES
from app.worker import clear_queues
from sandbox.common import QuietRequestHandler
from tests.cases.conftest import wipe_cases
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.licences.conftest import _wipe as _wipe_licences_and_identity


def _wipe(app) -> None:
    wipe_cases(app)  # delivery tables first (they refer to cases and accounts)
    with app.app_context():
        for table in STAFF_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()
    _wipe_licences_and_identity(app)


@pytest.fixture(scope="session")
def live_push(sandbox_app, sandbox):
    """Our app on a loopback port; the SF simulator pushes to its /delivery/notify/sf."""
    server = make_server("127.0.0.1", 0, sandbox_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="zsb-live", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/delivery/notify/sf"
    sandbox.sf_set_push_url(url)
    yield url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, tmp_path, monkeypatch, live_push):
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    monkeypatch.setitem(sandbox_app.config, "DELIVERY_ORDER_RETRY_INTERVALS", (0, 0))
    _wipe(app)
    with sandbox_app.app_context():
        clear_queues()
    yield
    with sandbox_app.app_context():
        clear_queues()
    _wipe(app)
