"""Keyword-only helpers for staff tests: accounts by the CLI, logins from a given address,
authenticator codes."""

from __future__ import annotations

import time

import pyotp

PASSWORD = "correct-horse-battery"
BASE = "/staff/api/v1"
LOGIN = f"{BASE}/auth/login"


def create(app, *, username: str, department: str = "YQX-MZ", role: str = "reviewer") -> str:
    """Create a staff account through `flask staff create`; returns the command's output."""
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "--username", username, "--department", department, "--role", role],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    return result.output


def login(api, username: str, password: str = PASSWORD, *, ip: str = "127.0.0.1", totp: str | None = None):
    body = {"username": username, "password": password}
    if totp is not None:
        body["totp"] = totp
    return api.post(LOGIN, json=body, environ_base={"REMOTE_ADDR": ip})


def token(api, username: str, **kwargs) -> str:
    resp = login(api, username, **kwargs)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["access_token"]


def code(secret: str, *, steps: int = 0) -> str:
    """The authenticator's code `steps` 30-second steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def secret_of(uri: str) -> str:
    return pyotp.parse_uri(uri).secret
