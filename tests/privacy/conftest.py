"""Privacy test fixtures: those of the delivery tests (clean case, delivery, staff, licence and
identity rows around every test; the SF simulator pushing to our app on loopback), and the
engagement rows (complaints, ratings) wiped before those."""

import pytest

from tests.delivery.conftest import _clean, live_push  # noqa: F401 - fixtures reused
from tests.engagement import wipe_engagement
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused


@pytest.fixture(autouse=True)
def _clean_engagement(app, _clean):  # noqa: F811 - after the delivery wipe is set up, torn down before it
    wipe_engagement(app)
    yield
    wipe_engagement(app)
