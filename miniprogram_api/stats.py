"""Public governance figures (政务服务数据公开): the summary and the monthly trend chart."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.stats import audience
from app.stats import bundles as bundle_stats
from app.stats import service as stats
from app.stats.bundle_schemas import BundleFiguresSchema
from app.stats.schemas import FiguresSchema, PeriodQuerySchema, TrendQuerySchema
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares

PERIOD_INVALID = (422, "VALIDATION_ERROR", "提交的信息有误，请检查后重试")
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


# --- bundle-apply ---
@blp.route("/stats/bundles")
class BundleStats(MethodView):
    @blp.arguments(PeriodQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, BundleFiguresSchema)
    @declares(PERIOD_INVALID)
    def get(self, **period):
        """一件事 figures: bundles submitted, items per bundle, materials asked once, visits avoided,
        completion time against the promise"""
        return bundle_stats.bundle_figures(**period)
