"""My department's figures for a period, and its monthly trend chart."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.staff_api.security import require_staff
from app.stats import audience
from app.stats import service as stats
from app.stats.schemas import FiguresSchema, PeriodQuerySchema, TrendQuerySchema
from app.web.api import PlatformBlueprint as Blueprint

blp = Blueprint("staff_stats", __name__, description="Staff API: figures (统计)")


@blp.route("/departments/<string:department_code>/stats")
class DepartmentStats(MethodView):
    @require_staff()
    @blp.arguments(PeriodQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, FiguresSchema)
    def get(self, department_code: str, **period):
        """My department's figures for a period (default: this year so far)"""
        return audience.summary(department=department_code, **period)


@blp.route("/departments/<string:department_code>/stats/trend.svg")
class DepartmentTrend(MethodView):
    @require_staff()
    @blp.arguments(TrendQuerySchema, location="query", as_kwargs=True)
    @blp.doc(responses={"200": {"description": "SVG chart", "content": {"image/svg+xml": {}}}})
    def get(self, department_code: str, months: int):
        """My department's monthly trend (SVG)"""
        return Response(stats.trend_svg(months=months, department=department_code), mimetype="image/svg+xml")
