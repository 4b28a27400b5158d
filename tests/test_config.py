from __future__ import annotations

import pytest

from app import create_app
from app.config import normalise_database_url

GOOD = {
    "SECRET_KEY": "p" * 40,
    "FIELD_ENCRYPTION_KEYS": "k2024:c2VjcmV0LXByb2R1Y3Rpb24ta2V5LTMyLWJ5dGVzLS0tLS0=",
    "FIELD_HASH_KEY": "prod-hash-key-xxxxxxxxxxxxxxxxxxxxxxxx",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/zsb",
    "REDIS_URL": "redis://redis:6379/0",
}


@pytest.mark.parametrize(
    "key", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL"]
)
def test_production_refuses_development_settings(key):
    from app.config import Config

    settings = dict(GOOD)
    settings[key] = {"REDIS_URL": ""}.get(
        key, getattr(Config, key) if key != "SQLALCHEMY_DATABASE_URI" else "sqlite:///x.db"
    )
    with pytest.raises(RuntimeError, match="refusing to start in production"):
        create_app("production", **settings)


def test_production_starts_with_real_settings():
    app = create_app("production", **GOOD)
    assert app.config["ENV_NAME"] == "production"


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="unknown APP_ENV"):
        create_app("staging-typo")


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(raw, expected):
    assert normalise_database_url(raw) == expected
