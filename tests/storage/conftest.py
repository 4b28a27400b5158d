"""Storage tests: the cases fixtures (citizens, drafts, a clean slate of case rows) plus the
S3 simulator of the session sandbox (`s3_storage` in tests/sandbox_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.cases.conftest import _clean, storage_dir  # noqa: F401
from tests.identity.conftest import actx, api, identity_app  # noqa: F401


@pytest.fixture
def bucket(s3_storage):
    """The sandbox bucket emptied before and after the test; yields the simulator state."""
    from sandbox import s3

    with s3_storage.lock:
        s3_storage.buckets[s3.BUCKET] = {}
    yield s3_storage
    with s3_storage.lock:
        s3_storage.buckets[s3.BUCKET] = {}
