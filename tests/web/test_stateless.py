"""The APIs keep no cookie session (app/web/stateless.py): a session cookie sent along is never
read nor answered with Set-Cookie, and code that would write to `flask.session` fails loudly."""

from __future__ import annotations

import pytest
from flask import session
from flask.sessions import NullSession, SecureCookieSessionInterface

from tests.identity.conftest import _clean_identity, actx, api, identity_app  # noqa: F401
from tests.identity.helpers import bearer, sms_login


def test_a_session_cookie_is_neither_read_nor_set(api, identity_app):  # noqa: F811 - fixtures
    # a cookie Flask's default interface would accept: signed with this app's own key
    forged = SecureCookieSessionInterface().get_signing_serializer(identity_app).dumps({"account_id": 1})
    api.set_cookie("session", forged)
    token = sms_login(api, identity_app)["access_token"]
    for resp in (api.get("/api/v1/services"), api.get("/api/v1/me", headers=bearer(token)), api.get("/api/v1/me")):
        assert "Set-Cookie" not in resp.headers
    assert api.get("/api/v1/me").status_code == 401  # the cookie authenticates nothing


def test_writing_to_the_session_raises(identity_app):  # noqa: F811 - the fixture
    with identity_app.test_request_context("/api/v1/services", headers={"Cookie": "session=x"}):
        assert isinstance(session._get_current_object(), NullSession)
        assert dict(session) == {}
        with pytest.raises(RuntimeError):
            session["account_id"] = 1
