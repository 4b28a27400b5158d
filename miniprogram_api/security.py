"""Bearer tokens on citizen endpoints.

    @blp.route("/me")
    class Me(MethodView):
        @require_level(2)
        @blp.response(200, MeSchema)
        def get(self): ...

`require_level(n)` authenticates the `Authorization: Bearer <access token>` header through the
core (401 envelope when missing, invalid, expired or revoked) and asks the core whether the
session's assurance level suffices (403 STEP_UP_REQUIRED otherwise, its `details.auth` naming
the level and freshness needed); `fresh=True` also needs a recent face check. The OpenAPI
operation gets those responses, `x-assurance-level` and `x-fresh-face` (app.web.contract). The caller is then `current_principal()`. Put it above the flask-smorest
decorators so authentication comes before body validation.
"""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask_smorest import Blueprint

from app.enterprises import public as enterprises
from app.identity import errors as identity_errors
from app.identity import service as identity
from app.identity.providers import base as gateway_errors
from app.web.contract import declares, mark_citizen_auth

BEARER_SCHEME = "bearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_principal() -> identity.Principal:
    return g.principal


def client_ip() -> str | None:
    # X-Forwarded-For is honoured only through ProxyFix configured by the deployment.
    return request.remote_addr


def require_level(level: int = 2, *, fresh: bool = False, personal: bool = False):
    """Authenticate the caller and require assurance `level` (with a fresh face check if `fresh`).

    An acting session (a person acting for an enterprise) is confirmed by the enterprise core on
    every request (`current_principal().acting`); `personal=True` refuses one with 403
    ACTING_NOT_ALLOWED (identity changes, binding, accepting grants are the person's own)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise identity_errors.TokenMissing()
            principal = enterprises.authenticate(token)
            if personal and principal.acting is not None:
                raise enterprises.ActingNotAllowed()
            identity.require_level(principal, level, fresh=fresh)
            g.principal = principal
            return current_app.ensure_sync(func)(*args, **kwargs)

        if personal:
            wrapper = declares(enterprises.ActingNotAllowed)(wrapper)
        # the spec gets 401/403 and x-assurance-level / x-fresh-face (app.web.contract)
        return mark_citizen_auth(Blueprint.doc(security=[{BEARER_SCHEME: []}])(wrapper), level, fresh)

    return decorator


# The errors a channel provider call can end in (app.identity.providers), for `@declares(*PROVIDER_ERRORS)`.
PROVIDER_ERRORS = (
    gateway_errors.InvalidCode,
    gateway_errors.ProviderRateLimited,
    gateway_errors.RiskyUser,
    gateway_errors.ProviderBusy,
    gateway_errors.BadProviderResponse,
    gateway_errors.ProviderNotConfigured,
    gateway_errors.GatewayError,
)


def register_security_scheme(api) -> None:
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
