"""Payments test fixtures: the sandbox app served over real HTTP (the simulators deliver their
callbacks to it), a clean slate of case, payment, outbox and identity rows around every test."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from payments.models import TABLES as PAYMENT_TABLES
from tests.cases.conftest import wipe_cases
from tests.identity.conftest import actx, api, identity_app  # noqa: F401
from tests.licences.conftest import _wipe as _wipe_licences_and_identity


def wipe_payments(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in PAYMENT_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def app_server(sandbox_app):
    """sandbox_app on a loopback port, so the simulators' callbacks reach it over HTTP."""
    from werkzeug.serving import make_server

    from sandbox.common import QuietRequestHandler

    server = make_server("127.0.0.1", 0, sandbox_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="zsb-app", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sandbox_app.config["PAYMENTS_NOTIFY_BASE_URL"] = url
    yield url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, app_server, tmp_path):
    from app.worker import clear_queues

    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    wipe_payments(app)
    wipe_cases(app)
    _wipe_licences_and_identity(app)
    with sandbox_app.app_context():
        clear_queues()
    yield
    wipe_payments(app)
    wipe_cases(app)
    _wipe_licences_and_identity(app)
