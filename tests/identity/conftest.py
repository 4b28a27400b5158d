"""Identity test fixtures: the API client on the sandbox-configured app, a clean slate of
identity tables and identity Redis keys after every test, the demo residents and enterprises seeded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db, redis_ext
from app.identity.models import TABLES

# Redis key prefixes owned by identity (rate-limit windows, the sandbox SMS outbox, WeChat's
# shared access token is left alone).
REDIS_PATTERNS = ("rl:*", "sms:sandbox:*")


# Enterprise rows that point at accounts (deleted first); the registry itself stays.
ENTERPRISE_ACCOUNT_TABLES = ("enterprise_audit", "agent_grants", "enterprise_bindings")


def _wipe(app) -> None:
    from app.enterprises import registry as enterprise_registry
    from app.identity import registry

    with app.app_context():
        db.session.rollback()
        for table in (*ENTERPRISE_ACCOUNT_TABLES, *TABLES):
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        registry.seed_residents()
        # the demo enterprises (idempotent); their credit records only where a test asks
        # (tests.enterprises.helpers.seed_enterprise_credit): the credit tests count rows
        enterprise_registry.seed_enterprises(credit_records=False)
        client = redis_ext.client
        for pattern in REDIS_PATTERNS:
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
        db.session.remove()


@pytest.fixture
def identity_app(sandbox_app):
    """The app with the provider sandbox configured (tests/sandbox_fixtures.py), same DB and Redis."""
    return sandbox_app


@pytest.fixture(autouse=True)
def _clean_identity(app):
    _wipe(app)
    yield
    _wipe(app)


@pytest.fixture
def api(identity_app):
    return identity_app.test_client()


@pytest.fixture
def actx(identity_app):
    """An app context on the identity app, for reading the database in assertions."""
    with identity_app.app_context() as context:
        yield context
        db.session.rollback()
        db.session.remove()
