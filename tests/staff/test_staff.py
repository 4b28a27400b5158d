"""Staff accounts: creation, login and lockout, separate token audience, roles, department
scope and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import jwt
import sqlalchemy as sa

from app.catalog.models import Department
from app.extensions import db
from app.staff import service
from app.staff.cli import DEMO_PASSWORD
from app.staff.models import StaffAction, StaffUser, utcnow
from tests.identity.helpers import assert_error, bearer, wechat_login

PASSWORD = "correct-horse-battery"
LOGIN = "/staff/api/v1/auth/login"


def _create(app, *, username: str, department: str = "YQX-MZ", role: str = "reviewer") -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "create", "--username", username, "--department", department, "--role", role],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output


def _login(api, username: str, password: str = PASSWORD):
    return api.post(LOGIN, json={"username": username, "password": password})


def _token(api, username: str) -> str:
    resp = _login(api, username)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["access_token"]


def test_create_and_login(api, identity_app):
    _create(identity_app, username="mz-reviewer")
    resp = _login(api, "MZ-Reviewer")  # usernames are case-insensitive
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["staff"]["role"] == "reviewer" and body["staff"]["department_code"] == "YQX-MZ"
    assert "password" not in body["staff"]
    me = api.get("/staff/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.get_json()["username"] == "mz-reviewer"
    with identity_app.app_context():
        user = db.session.scalar(sa.select(StaffUser))
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["aud"] == "zsb-staff" and claims["dept"] == "YQX-MZ"
        db.session.remove()


def test_create_refusals(identity_app):
    runner = identity_app.test_cli_runner()
    _create(identity_app, username="dup-user")
    for args, code in (
        (["--username", "dup-user", "--department", "YQX-MZ", "--role", "reviewer"], "STAFF_EXISTS"),
        (["--username", "x1y2z3", "--department", "NOPE", "--role", "reviewer"], "UNKNOWN_DEPARTMENT"),
        (["--username", "Bad Name!", "--department", "YQX-MZ", "--role", "reviewer"], "INVALID_USERNAME"),
    ):
        result = runner.invoke(args=["staff", "create", *args], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code != 0 and code in result.output, result.output
    weak = runner.invoke(
        args=["staff", "create", "--username", "weak-pw", "--department", "YQX-MZ", "--role", "reviewer"],
        input="short\nshort\n",
    )
    assert weak.exit_code != 0 and "WEAK_PASSWORD" in weak.output
    bad_role = runner.invoke(args=["staff", "create", "--username", "r", "--department", "YQX-MZ", "--role", "boss"])
    assert bad_role.exit_code != 0


def test_lockout_after_repeated_failures(api, identity_app, monkeypatch):
    _create(identity_app, username="clerk-a", department="YQX-ZWFW", role="window_clerk")
    assert_error(_login(api, "nobody-here"), 401, "STAFF_LOGIN_FAILED")
    for _ in range(4):
        assert_error(_login(api, "clerk-a", "wrong-password"), 401, "STAFF_LOGIN_FAILED")
    assert _login(api, "clerk-a").status_code == 200  # a success resets the count
    for _ in range(5):
        assert_error(_login(api, "clerk-a", "wrong-password"), 401, "STAFF_LOGIN_FAILED")
    body = assert_error(_login(api, "clerk-a"), 403, "STAFF_ACCOUNT_LOCKED")
    assert "locked_until" in body["details"]

    later = utcnow() + timedelta(seconds=901)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert _login(api, "clerk-a").status_code == 200
    with identity_app.app_context():
        outcomes = [r.outcome for r in db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id))]
        assert outcomes.count("locked_now") == 1 and "locked" in outcomes and outcomes[0] == "ok"
        assert outcomes.count("failed") == 1 + 4 + 4
        db.session.remove()


def test_tokens_do_not_cross_audiences(api, identity_app):
    _create(identity_app, username="head-a", role="department_head")
    staff_token = _token(api, "head-a")
    citizen_token = wechat_login(api, user="citizen")["access_token"]
    assert_error(api.get("/staff/api/v1/me", headers=bearer(citizen_token)), 401, "STAFF_TOKEN_INVALID")
    assert_error(api.get("/api/v1/me", headers=bearer(staff_token)), 401, "TOKEN_INVALID")
    assert_error(api.get("/staff/api/v1/me"), 401, "STAFF_TOKEN_MISSING")
    assert_error(api.get("/staff/api/v1/me", headers=bearer(staff_token[:-2] + "xx")), 401, "STAFF_TOKEN_INVALID")
    with identity_app.app_context():
        claims = jwt.decode(staff_token, options={"verify_signature": False})
        claims["exp"] = claims["iat"] - 60
        expired = jwt.encode(claims, identity_app.config["SECRET_KEY"], algorithm="HS256")
    assert_error(api.get("/staff/api/v1/me", headers=bearer(expired)), 401, "STAFF_TOKEN_EXPIRED")


def test_roles_and_department_scope(api, identity_app):
    _create(identity_app, username="mz-head", role="department_head")
    _create(identity_app, username="mz-reviewer", role="reviewer")
    _create(identity_app, username="zwfw-head", department="YQX-ZWFW", role="department_head")
    head = _token(api, "mz-head")
    reviewer = _token(api, "mz-reviewer")

    resp = api.get("/staff/api/v1/departments/YQX-MZ/staff", headers=bearer(head))
    assert resp.status_code == 200, resp.get_json()
    assert [s["username"] for s in resp.get_json()["items"]] == ["mz-head", "mz-reviewer"]

    assert_error(
        api.get("/staff/api/v1/departments/YQX-MZ/staff", headers=bearer(reviewer)), 403, "STAFF_ROLE_REQUIRED"
    )
    assert_error(api.get("/staff/api/v1/departments/YQX-ZWFW/staff", headers=bearer(head)), 403, "DEPARTMENT_SCOPE")
    assert_error(api.get("/staff/api/v1/departments/YQX-ZWFW/audit", headers=bearer(head)), 403, "DEPARTMENT_SCOPE")

    audit = api.get("/staff/api/v1/departments/YQX-MZ/audit?page_size=50", headers=bearer(head)).get_json()
    actions = [(a["action"], a["outcome"]) for a in audit["items"]]
    assert ("scope.denied", "denied") in actions and ("staff.list", "ok") in actions
    assert audit["total"] == len(audit["items"])
    # the other department's trail stays theirs
    assert all(a["target"] != "zwfw-head" for a in audit["items"])


def test_demo_seed(api, identity_app):
    runner = identity_app.test_cli_runner()
    first = runner.invoke(args=["staff", "seed"])
    with identity_app.app_context():
        departments = list(db.session.scalars(sa.select(Department.code)))
        db.session.remove()
    # a clerk, a reviewer and a head in every department of the catalog
    assert first.exit_code == 0 and f"{3 * len(departments)} demo accounts created" in first.output, first.output
    assert "0 demo accounts created" in runner.invoke(args=["staff", "seed"]).output
    for username in ("yqx-zwfw-clerk", "yqx-mz-reviewer", "yqx-mz-head", "yqx-ga-clerk", "qls-jj-head"):
        assert _login(api, username, DEMO_PASSWORD).status_code == 200
    for code in departments:
        for suffix, role in (("clerk", "window_clerk"), ("reviewer", "reviewer"), ("head", "department_head")):
            body = _login(api, f"{code.lower()}-{suffix}", DEMO_PASSWORD).get_json()
            me = api.get("/staff/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).get_json()
            assert (me["department_code"], me["role"]) == (code, role), me


def test_demo_seed_refused_in_production(identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "ENV_NAME", "production")
    result = identity_app.test_cli_runner().invoke(args=["staff", "seed"])
    assert result.exit_code != 0 and "not created in production" in result.output
