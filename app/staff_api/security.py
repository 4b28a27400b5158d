"""Staff bearer tokens on staff endpoints.

    @blp.route("/departments/<department_code>/staff")
    class DepartmentStaff(MethodView):
        @require_staff("department_head")
        def get(self, department_code): ...

`require_staff(*roles)` authenticates a staff token (citizen tokens are refused: other audience),
checks the role (any role when none is named) and scopes the request to the staff member's
department: a `department_code` in the URL must be their own (403 DEPARTMENT_SCOPE, audited).
"""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask_smorest import Blueprint

from app.staff import errors
from app.staff import service as staff
from app.web.contract import mark_staff_auth

SCHEME = "staffBearerAuth"


def current_staff() -> staff.StaffPrincipal:
    return g.staff


def require_staff(*roles: str):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise errors.StaffTokenInvalid("请先登录", error="STAFF_TOKEN_MISSING")
            principal = staff.authenticate(token.strip())
            staff.require_role(principal, roles)
            department = (request.view_args or {}).get("department_code")
            if department is not None:
                staff.require_department(principal, department)
            g.staff = principal
            return current_app.ensure_sync(func)(*args, **kwargs)

        # the spec gets 401/403 (DEPARTMENT_SCOPE with a department_code) and x-staff-roles
        return mark_staff_auth(Blueprint.doc(security=[{SCHEME: []}])(wrapper), roles)

    return decorator


def register_security_scheme(api) -> None:
    api.spec.components.security_scheme(SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
