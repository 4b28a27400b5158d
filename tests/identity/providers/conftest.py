"""Gateway tests: the real SDKs over real HTTP to the sandbox simulators."""

from __future__ import annotations

import uuid

import pytest

from app.extensions import redis_ext


@pytest.fixture(autouse=True)
def _clean_identity():
    """Gateway tests touch no identity table: tests/identity's per-test wipe is not needed here."""
    yield


@pytest.fixture
def redis_client(sandbox_app):
    with sandbox_app.app_context():
        return redis_ext.client


@pytest.fixture
def key_prefix(redis_client):
    """A Redis prefix of its own per test, so every test starts without a shared token."""
    prefix = f"zsbtest:{uuid.uuid4().hex}"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)
