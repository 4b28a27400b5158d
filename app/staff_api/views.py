"""Staff login and logout, the second factor, who am I, and department-scoped views (staff list,
ending a staff member's sessions, audit trail)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.staff import errors as staff_errors
from app.staff import service as staff
from app.staff.models import StaffRole
from app.staff_api.schemas import (
    SessionsRevokedSchema,
    StaffActionPageSchema,
    StaffListSchema,
    StaffLoginSchema,
    StaffSchema,
    StaffTokenSchema,
    TotpConfirmedSchema,
    TotpConfirmSchema,
    TotpEnrolmentSchema,
    TotpStartSchema,
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
    @declares(staff_errors.StaffLoginFailed, staff_errors.StaffLoginRateLimited)
    def post(self, body):
        """Staff login with username, password and the second factor's code (failures back off per address)"""
        return staff.login(
            username=body["username"], password=body["password"], code=body.get("totp"), ip=request.remote_addr
        )


@blp.route("/auth/logout")
class Logout(MethodView):
    @require_staff()
    @blp.response(204)
    def post(self):
        """End my session: its token stops working on the next request"""
        staff.logout(current_staff(), ip=request.remote_addr)


@blp.route("/auth/totp")
class TotpEnrolment(MethodView):
    @require_staff()
    @blp.arguments(TotpStartSchema)
    @blp.response(200, TotpEnrolmentSchema)
    @declares(staff_errors.StaffTotpInvalid, staff_errors.StaffTotpRateLimited)
    def post(self, body):
        """Start enrolling a second factor (TOTP): the provisioning URI, shown once"""
        return staff.start_enrolment(current_staff(), code=body.get("totp"))


@blp.route("/auth/totp/confirm")
class TotpConfirm(MethodView):
    @require_staff()
    @blp.arguments(TotpConfirmSchema)
    @blp.response(200, TotpConfirmedSchema)
    @declares(staff_errors.StaffTotpInvalid, staff_errors.StaffTotpNotPending, staff_errors.StaffTotpRateLimited)
    def post(self, body):
        """Activate the second factor with a current code; my other sessions end"""
        return staff.confirm_enrolment(current_staff(), code=body["code"])


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


@blp.route("/departments/<string:department_code>/staff/<int:staff_id>/sessions")
class DepartmentStaffSessions(MethodView):
    @require_staff(StaffRole.DEPARTMENT_HEAD)
    @blp.response(200, SessionsRevokedSchema)
    @declares(staff_errors.StaffNotFound)
    def delete(self, department_code: str, staff_id: int):
        """End every session of a staff member of my department (department heads)"""
        return staff.revoke_department_staff_sessions(current_staff(), department_code, staff_id)


@blp.route("/departments/<string:department_code>/audit")
class DepartmentAudit(MethodView):
    @require_staff(StaffRole.DEPARTMENT_HEAD)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StaffActionPageSchema)
    def get(self, department_code: str, page: int, page_size: int):
        """Audit trail of my department's staff, newest first (department heads)"""
        return staff.department_audit(current_staff(), department_code, page=page, page_size=page_size)
