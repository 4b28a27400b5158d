"""Consultations and complaints (咨询投诉, 12345): file one, follow it, rate the answer."""

from __future__ import annotations

from flask.views import MethodView

from app.cases import errors as case_errors
from app.catalog import errors as catalog_errors
from app.complaints import errors as complaint_errors
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintSchema
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema, page_of
from miniprogram_api.complaint_schemas import ComplaintCreateSchema, ComplaintRatingSchema
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("complaints", __name__, description="Consultations and complaints (咨询投诉)")

LEVEL = 3


@blp.route("/complaints")
class Complaints(MethodView):
    @require_level(LEVEL)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(ComplaintSchema))
    def get(self, **query):
        """My consultations and complaints, newest first"""
        return complaints.list_complaints(current_principal(), **query)

    @require_level(LEVEL)
    @blp.arguments(ComplaintCreateSchema)
    @blp.response(201, ComplaintSchema)
    @declares(case_errors.CaseNotFound, catalog_errors.ServiceNotFound, complaint_errors.HallNotFound)
    def post(self, body: dict):
        """Ask or complain about an item, one of my cases or a hall; routed to the responsible department"""
        return complaints.submit(current_principal(), **body)


@blp.route("/complaints/<int:complaint_id>")
class OneComplaint(MethodView):
    @require_level(LEVEL)
    @blp.response(200, ComplaintSchema)
    @declares(complaint_errors.ComplaintNotFound)
    def get(self, complaint_id: int):
        """One of my consultations or complaints, with the department's answer"""
        return complaints.get_complaint(current_principal(), complaint_id)


@blp.route("/complaints/<int:complaint_id>/rating")
class Rating(MethodView):
    @require_level(LEVEL)
    @blp.arguments(ComplaintRatingSchema)
    @blp.response(200, ComplaintSchema)
    @declares(complaint_errors.ComplaintNotFound, complaint_errors.NotAnswered, complaint_errors.AnswerAlreadyRated)
    def post(self, body: dict, complaint_id: int):
        """Rate the department's answer once"""
        return complaints.rate_answer(current_principal(), complaint_id, rating=body["rating"])
