"""Workday tests start and end with an empty calendar table."""

from __future__ import annotations

import pytest

from tests.wipe import delete_rows


@pytest.fixture(autouse=True)
def _clean(app):
    delete_rows(app, ["calendar_days"])
    yield
    delete_rows(app, ["calendar_days"])
