"""Pytest fixtures that run the sandbox/ provider simulators on loopback (a pytest plugin,
registered in tests/conftest.py).

- `sandbox` (session): the WeChat and Alipay simulators, started once. It is a
  sandbox.server.SandboxServer: `.wechat_url`, `.alipay_url`, `.settings` (the config values
  pointing at them), the raw state (`.wechat`, `.alipay`) and the control helpers —
  `face_outcome(verify_id, "pass")`, `legacy_verify_result(name=, id_number=, outcome=)`,
  `certify_outcome(certify_id, "pass")`, `tamper_next_alipay_response()`,
  `expire_wechat_tokens()`, `wechat_login_code("alice")`, `alipay_auth_code("alice")`,
  `wechat_fail_next(...)`, `alipay_fail_next(...)`, `subscribe_error(43101)`, ...
  The WeChat Pay simulator runs beside them (`.wechatpay_url`, `.wechatpay` state,
  `.wechatpay_keys`; `wechatpay_pay(out_trade_no)`, `wechatpay_finish_refund(out_refund_no)`,
  `alipay_pay(out_trade_no)` pay on the simulated phone and send the signed callback; see
  sandbox/wechatpay.py and sandbox/alipay_pay.py). Callbacks need the app served over HTTP:
  tests/payments/conftest.py `app_server`.
  Login codes are single-use for the whole session: use `sandbox.wechat_login_code(user)` /
  `sandbox.alipay_auth_code(user)` (or any `<user>:<unique>` string).
- The same server runs the SF Express simulator (sandbox/sf.py): `.sf_url`, `.sf` (SFState),
  `sf_set_push_url(url)`, `sf_push(order_id, count=, all=, route=, duplicate=, reorder=, silent=)`,
  `sf_fail_next(errcode="A1009" | http_status=503, service=, times=)`, `sf_orders()`, `sf_calls()`.
- `sandbox_app` (session): create_app("testing", **sandbox.settings) on the same database and
  Redis as the `app` fixture (which migrates and seeds them first).
- `s3_storage`: for one test, uploads go to the sandbox's S3 simulator (STORAGE_BACKEND=s3 on
  `sandbox_app`, whose S3_* settings always point at it); yields the simulator's state
  (`sandbox.s3`: `.objects()`, `.fail_next(code, times=)`, `.corrupt_object(key)`, ...).
- `stranger_keypair` (session): an unrelated RSA-2048 key pair (sandbox.keys.KeyPair) for
  wrong-key tests.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.server import SandboxServer

    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sandbox_app(app, sandbox):
    from app import create_app
    from app.extensions import db, redis_ext

    with app.app_context():
        shared = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_ext.url}
    configured = create_app("testing", **shared, **sandbox.settings, **sandbox.s3_settings)
    yield configured
    with configured.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def s3_storage(sandbox_app, sandbox):
    saved = {key: sandbox_app.config.get(key) for key in ("STORAGE_BACKEND", "S3_MAX_ATTEMPTS", *sandbox.s3_settings)}
    sandbox_app.config.update(STORAGE_BACKEND="s3", S3_MAX_ATTEMPTS=2, **sandbox.s3_settings)
    sandbox.s3.clear_failures()
    yield sandbox.s3
    sandbox.s3.clear_failures()
    sandbox_app.config.update(saved)


@pytest.fixture(scope="session")
def stranger_keypair():
    from sandbox.keys import generate_keypair

    return generate_keypair()
