"""Contract test fixtures: the OpenAPI document the app serves, and the sandbox-configured app
served over real HTTP (werkzeug in a thread) so a generated client, schemathesis and the
providers' callbacks reach it as a front-end team's would."""

from __future__ import annotations

import importlib
import sys
import threading

import pytest

from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.licences.conftest import _wipe as _wipe_licences_and_identity


@pytest.fixture(scope="session")
def spec(app) -> dict:
    return app.test_client().get("/openapi.json").get_json()


@pytest.fixture(scope="module")
def live_url(sandbox_app, sandbox):
    """sandbox_app on a loopback port; WeChat Pay / Alipay callbacks and SF pushes reach it.
    The notify URLs are restored afterwards (other packages serve their own)."""
    from werkzeug.serving import make_server

    from sandbox.common import QuietRequestHandler

    server = make_server("127.0.0.1", 0, sandbox_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="zsb-contract", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    saved_notify = sandbox_app.config.get("PAYMENTS_NOTIFY_BASE_URL")
    saved_push = sandbox.sf.push_url
    sandbox_app.config["PAYMENTS_NOTIFY_BASE_URL"] = url
    sandbox.sf_set_push_url(f"{url}/delivery/notify/sf")
    yield url
    sandbox_app.config["PAYMENTS_NOTIFY_BASE_URL"] = saved_notify
    sandbox.sf_set_push_url(saved_push)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def clean_slate(app, sandbox_app, tmp_path):
    """No cases, payments, deliveries, engagement rows, notifications, staff, licences, accounts or
    queued jobs before and after a test (the fuzzer writes anything an operation accepts)."""
    from app.worker import clear_queues
    from tests.journeys.conftest import _wipe as wipe_everything

    def wipe():
        wipe_everything(app)
        _wipe_licences_and_identity(app)
        with sandbox_app.app_context():
            clear_queues()

    saved = sandbox_app.config.get("STORAGE_DIR")
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    wipe()
    yield
    wipe()
    sandbox_app.config["STORAGE_DIR"] = saved


@pytest.fixture(scope="session")
def client_package(spec, tmp_path_factory):
    """The client generated from the spec (zero warnings), imported; once per session."""
    from tests.contract.generated import PACKAGE, generate

    workdir = tmp_path_factory.mktemp("generated")
    result = generate(spec, workdir)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower() and "unable to" not in output.lower(), output
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def demo(app, sandbox_app, live_url, tmp_path, monkeypatch):
    """The demo data as `make seed` loads it (residents, e-licences, credit, calendar, staff,
    halls), a clean slate around the test (tests/journeys/conftest.py)."""
    from app.worker import clear_queues
    from tests.journeys.conftest import SEED
    from tests.journeys.conftest import _wipe as wipe_journeys

    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    monkeypatch.setitem(sandbox_app.config, "DELIVERY_ORDER_RETRY_INTERVALS", (0, 0))
    wipe_journeys(app)
    runner = sandbox_app.test_cli_runner()
    for args in (*SEED, ["appointments", "seed"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    with sandbox_app.app_context():
        clear_queues()
    yield
    with sandbox_app.app_context():
        clear_queues()
    wipe_journeys(app)
