"""好差评: rate a concluded application once; see the department's reply to a bad rating."""

from __future__ import annotations

from flask.views import MethodView

from app.cases import errors as case_errors
from app.evaluations import errors as evaluation_errors
from app.evaluations import service as evaluations
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema, page_of
from miniprogram_api.evaluation_schemas import (
    AwaitingSchema,
    CitizenEvaluationSchema,
    EvaluationCreateSchema,
    ResolutionSchema,
)
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("evaluations", __name__, description="Ratings (好差评)")

LEVEL = 3


@blp.route("/applications/<int:case_id>/evaluation")
class CaseEvaluation(MethodView):
    @require_level(LEVEL)
    @blp.response(200, CitizenEvaluationSchema)
    @declares(evaluation_errors.EvaluationNotFound)
    def get(self, case_id: int):
        """My rating of an application, with the department's follow-up of a bad rating"""
        return evaluations.get_for_case(current_principal(), case_id)

    @require_level(LEVEL)
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(201, CitizenEvaluationSchema)
    @declares(case_errors.CaseNotFound, evaluation_errors.NotRateable, evaluation_errors.AlreadyRated)
    def post(self, body: dict, case_id: int):
        """Rate a concluded (or rejected) application once: 非常满意 … 非常不满意

        不满意 and 非常不满意 open a follow-up: the department replies within 15 working days."""
        return evaluations.rate(
            current_principal(), case_id, score=body["score"], answers=body.get("answers"), comment=body.get("comment")
        )


@blp.route("/applications/<int:case_id>/evaluation/resolution")
class Resolution(MethodView):
    @require_level(LEVEL)
    @blp.arguments(ResolutionSchema)
    @blp.response(200, CitizenEvaluationSchema)
    @declares(
        evaluation_errors.EvaluationNotFound, evaluation_errors.FollowupNotOpen, evaluation_errors.FollowupNotReplied
    )
    def post(self, body: dict, case_id: int):
        """Say whether the department's reply to my bad rating resolved the matter"""
        return evaluations.confirm(current_principal(), case_id, resolved=body["resolved"])


@blp.route("/evaluations/awaiting")
class Awaiting(MethodView):
    @require_level(LEVEL)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(AwaitingSchema))
    def get(self, **query):
        """My concluded applications not yet rated (待评价), latest first"""
        return evaluations.awaiting(current_principal(), **query)
