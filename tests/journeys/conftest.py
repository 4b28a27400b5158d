"""README journey fixtures: the demo data loaded the way `make seed` loads it, our app served on
loopback (the payment simulators call back to it, the SF simulator pushes routes to it), and a
clean slate of everything the journeys write around every test."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.worker import clear_queues
from notifications.models import TABLES as NOTIFICATION_TABLES
from payments.models import TABLES as PAYMENT_TABLES
from sandbox.common import QuietRequestHandler
from tests.engagement import wipe_engagement
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.staff_api.conftest import _wipe as _wipe_staff_cases_identity

SEED = (["residents", "seed"], ["licences", "seed"], ["credit", "seed"], ["workdays", "seed"], ["staff", "seed"])


def _wipe(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in (*NOTIFICATION_TABLES, *PAYMENT_TABLES):
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()
    wipe_engagement(app)
    _wipe_staff_cases_identity(app)


@pytest.fixture(scope="session")
def readme_server(sandbox_app):
    server = make_server("127.0.0.1", 0, sandbox_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="zsb-readme", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _demo(app, sandbox_app, sandbox, readme_server, tmp_path, monkeypatch):
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    # what the dev runner sets: callbacks and route pushes reach the served API
    monkeypatch.setitem(sandbox_app.config, "PAYMENTS_NOTIFY_BASE_URL", readme_server)
    monkeypatch.setitem(sandbox_app.config, "DELIVERY_ORDER_RETRY_INTERVALS", (0, 0))
    sandbox.sf_set_push_url(f"{readme_server}/delivery/notify/sf")
    _wipe(app)
    runner = sandbox_app.test_cli_runner()
    for args in SEED:  # `make seed` after the catalog (seeded for the session)
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    with sandbox_app.app_context():
        clear_queues()
        db.session.remove()
    yield
    with sandbox_app.app_context():
        clear_queues()
        db.session.remove()
    _wipe(app)
