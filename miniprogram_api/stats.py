"""Public governance figures (政务服务数据公开): the summary and the monthly trend chart."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.stats import audience
from app.stats import service as stats
from app.stats.schemas import FiguresSchema, PeriodQuerySchema, TrendQuerySchema
from app.web.api import PlatformBlueprint as Blueprint

blp = Blueprint("stats", __name__, description="Figures (数据公开)")


@blp.route("/stats/summary")
class Summary(MethodView):
    @blp.arguments(PeriodQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, FiguresSchema)
    def get(self, **period):
        """The platform's figures for a period (default: this year so far); definitions in the README"""
        return audience.summary(**period)


@blp.route("/stats/trend.svg")
class Trend(MethodView):
    @blp.arguments(TrendQuerySchema, location="query", as_kwargs=True)
    @blp.doc(responses={"200": {"description": "SVG chart", "content": {"image/svg+xml": {}}}})
    def get(self, months: int):
        """Monthly trend of the full-online, instant-approval and satisfaction rates (SVG)"""
        return Response(stats.trend_svg(months=months), mimetype="image/svg+xml")
