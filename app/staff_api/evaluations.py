"""Ratings of my department's cases and the follow-up of bad ones (回访整改)."""

from __future__ import annotations

from flask.views import MethodView

from app.errors import ValidationFailed
from app.evaluations import errors as evaluation_errors
from app.evaluations import service as evaluations
from app.staff import errors as staff_errors
from app.staff_api.evaluation_schemas import EvaluationQuerySchema, ReplySchema, StaffEvaluationSchema
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import page_of

blp = Blueprint("staff_evaluations", __name__, description="Staff API: ratings (好差评)")


@blp.route("/departments/<string:department_code>/evaluations")
class DepartmentEvaluations(MethodView):
    @require_staff()
    @blp.arguments(EvaluationQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(StaffEvaluationSchema))
    def get(self, department_code: str, **query):
        """Ratings of my department's cases, newest first (filter by follow-up status)"""
        return evaluations.department_evaluations(current_staff(), department_code, **query)


@blp.route("/evaluations/<int:evaluation_id>")
class DepartmentEvaluation(MethodView):
    @require_staff()
    @blp.response(200, StaffEvaluationSchema)
    @declares(evaluation_errors.EvaluationNotFound)
    def get(self, evaluation_id: int):
        """One rating of my department's cases with its comment and reply (audited)"""
        return evaluations.department_evaluation(current_staff(), evaluation_id)


@blp.route("/evaluations/<int:evaluation_id>/reply")
class Reply(MethodView):
    @require_staff()
    @blp.arguments(ReplySchema)
    @blp.response(200, StaffEvaluationSchema)
    @declares(
        evaluation_errors.EvaluationNotFound,
        evaluation_errors.FollowupNotOpen,
        ValidationFailed,
        staff_errors.StaffRoleRequired,
    )
    def post(self, body: dict, evaluation_id: int):
        """Reply to a bad rating of my department (reviewers, heads)"""
        return evaluations.reply(current_staff(), evaluation_id, text=body["reply"])
