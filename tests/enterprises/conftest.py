"""Enterprise test fixtures: the cases fixtures (identity app, API client, clean case, credit,
licence and identity rows — the identity wipe also clears bindings, grants and the enterprise
audit, and re-seeds the demo enterprises)."""

from __future__ import annotations

import pytest  # noqa: E402

from tests.cases.conftest import _clean, actx, api, identity_app  # noqa: F401


@pytest.fixture(scope="session")
def ebl_sandbox():
    """The electronic business licence platform simulator (sandbox/ebl.py), started once."""
    from sandbox.ebl import EblSandbox

    sim = EblSandbox().start()
    yield sim
    sim.stop()


@pytest.fixture
def ebl(identity_app, ebl_sandbox):  # noqa: F811 - the imported fixture, requested
    """For one test, the 电子营业执照 login is on and points at the simulator."""
    saved = {key: identity_app.config.get(key) for key in ebl_sandbox.settings}
    identity_app.config.update(ebl_sandbox.settings)
    identity_app.extensions.pop("enterprise_ebl_gateway", None)
    yield ebl_sandbox
    identity_app.config.update(saved)
    identity_app.extensions.pop("enterprise_ebl_gateway", None)
