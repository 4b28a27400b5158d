"""Staff login, who am I, and department-scoped views (staff list, audit trail)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.staff import errors as staff_errors
from app.staff import service as staff
from app.staff.models import StaffRole
from app.staff_api.schemas import (
    StaffActionPageSchema,
    StaffListSchema,
    StaffLoginSchema,
    StaffSchema,
    StaffTokenSchema,
)
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema

blp = Blueprint("staff", __name__, description="Staff API (工作人员)")


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(StaffLoginSchema)
    @blp.response(200, StaffTokenSchema)
    @declares(
        staff_errors.StaffLoginFailed, staff_errors.StaffLocked, (429, "LOGIN_RATE_LIMITED", "登录过于频繁，请稍后再试")
    )
    def post(self, body):
        """Staff login with username and password (locks after repeated failures)"""
        return staff.login(username=body["username"], password=body["password"], ip=request.remote_addr)


@blp.route("/me")
class Me(MethodView):
    @require_staff()
    @blp.response(200, StaffSchema)
    def get(self):
        """The logged-in staff member"""
        return staff.describe(current_staff())


@blp.route("/departments/<string:department_code>/staff")
class DepartmentStaff(MethodView):
    @require_staff(StaffRole.DEPARTMENT_HEAD)
    @blp.response(200, StaffListSchema)
    def get(self, department_code: str):
        """Staff of my department (department heads)"""
        return {"items": staff.department_staff(current_staff(), department_code)}


@blp.route("/departments/<string:department_code>/audit")
class DepartmentAudit(MethodView):
    @require_staff(StaffRole.DEPARTMENT_HEAD)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StaffActionPageSchema)
    def get(self, department_code: str, page: int, page_size: int):
        """Audit trail of my department's staff, newest first (department heads)"""
        return staff.department_audit(current_staff(), department_code, page=page, page_size=page_size)
