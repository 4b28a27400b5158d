"""Cases test fixtures: the identity fixtures (sandbox app, API client), and a clean slate of
case, credit, outbox, licence and identity rows around every test."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.bundles.models import TABLES as BUNDLE_TABLES
from app.cases.models import TABLES as CASE_TABLES
from app.credit.models import TABLES as CREDIT_TABLES
from app.extensions import db
from app.stats.models import TABLES as STATS_TABLES
from delivery.models import TABLES as DELIVERY_TABLES
from tests.identity.conftest import actx, api, identity_app  # noqa: F401
from tests.licences.conftest import _wipe as _wipe_licences_and_identity


def wipe_cases(app) -> None:
    with app.app_context():
        db.session.rollback()
        # the figures' rollup cells are sums of case rows: gone with them
        for table in (*STATS_TABLES, *DELIVERY_TABLES, *CASE_TABLES, *BUNDLE_TABLES, *CREDIT_TABLES, "outbox_events"):
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, tmp_path):
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")  # the identity_app
    wipe_cases(app)
    _wipe_licences_and_identity(app)
    yield
    wipe_cases(app)
    _wipe_licences_and_identity(app)


@pytest.fixture
def storage_dir(tmp_path):
    return tmp_path / "files"
