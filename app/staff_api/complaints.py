"""My department's consultations and complaints queue, and answering them."""

from __future__ import annotations

from flask.views import MethodView

from app.complaints import errors as complaint_errors
from app.complaints import service as complaints
from app.errors import ValidationFailed
from app.staff import errors as staff_errors
from app.staff_api.complaint_schemas import AnswerSchema, ComplaintQuerySchema, StaffComplaintSchema
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import page_of

blp = Blueprint("staff_complaints", __name__, description="Staff API: consultations and complaints (咨询投诉)")


@blp.route("/departments/<string:department_code>/complaints")
class DepartmentComplaints(MethodView):
    @require_staff()
    @blp.arguments(ComplaintQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(StaffComplaintSchema))
    def get(self, department_code: str, **query):
        """Consultations and complaints routed to my department, earliest deadline first"""
        return complaints.department_queue(current_staff(), department_code, **query)


@blp.route("/complaints/<int:complaint_id>")
class DepartmentComplaint(MethodView):
    @require_staff()
    @blp.response(200, StaffComplaintSchema)
    @declares(complaint_errors.ComplaintNotFound)
    def get(self, complaint_id: int):
        """One consultation or complaint of my department, in full (audited)"""
        return complaints.department_complaint(current_staff(), complaint_id)


@blp.route("/complaints/<int:complaint_id>/answer")
class Answer(MethodView):
    @require_staff()
    @blp.arguments(AnswerSchema)
    @blp.response(200, StaffComplaintSchema)
    @declares(
        complaint_errors.ComplaintNotFound,
        complaint_errors.AlreadyAnswered,
        ValidationFailed,
        staff_errors.StaffRoleRequired,
    )
    def post(self, body: dict, complaint_id: int):
        """Answer a consultation (any role) or a complaint (reviewers, heads) of my department"""
        return complaints.answer(current_staff(), complaint_id, text=body["answer"])
