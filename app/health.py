"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from flask.views import MethodView
from sqlalchemy import text

from app.extensions import db, redis_ext
from app.web.api import PlatformBlueprint as Blueprint
from app.web.api import envelope

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
class Health(MethodView):
    def get(self):
        """Process is up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    def get(self):
        """Database and Redis are reachable (503 naming what failed)"""
        checks: dict[str, str] = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            log.warning("readiness: database unreachable: %s", type(exc).__name__)
            checks["database"] = "unreachable"
            db.session.rollback()
        try:
            redis_ext.client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            log.warning("readiness: redis unreachable: %s", type(exc).__name__)
            checks["redis"] = "unreachable"
        failed = sorted(name for name, state in checks.items() if state != "ok")
        if failed:
            return envelope(
                503,
                "NOT_READY",
                "服务暂时不可用：" + "、".join({"database": "数据库", "redis": "消息队列"}[n] for n in failed),
                {"checks": checks},
            )
        return {"status": "ok", "checks": checks}
