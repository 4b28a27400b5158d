"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from flask.views import MethodView
from sqlalchemy import text

from app.catalog.readiness import index_state
from app.extensions import db, redis_ext
from app.health_schemas import LiveSchema, NotReadySchema, ReadySchema
from app.web.api import PlatformBlueprint as Blueprint
from app.web.api import envelope
from app.web.contract import declares

log = logging.getLogger(__name__)

_NAMES = {"database": "数据库", "redis": "消息队列", "catalog_index": "事项搜索索引（正在建立）"}

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, LiveSchema)
    @declares(database=False)
    def get(self):
        """Process is up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(
        503,
        schema=NotReadySchema,
        description="Not ready: `error` is `NOT_READY`; `checks` names what is unreachable. Retry-After is not sent.",
    )
    @blp.doc(responses={"503": {"x-error-codes": ["NOT_READY"]}})
    @declares(database=False)
    def get(self):
        """Database and Redis are reachable and the catalog search index is built (503 NOT_READY
        naming what failed in `checks`; without an index, asking starts building it)"""
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
        checks["catalog_index"] = "not_built"
        if checks["database"] == "ok":
            try:  # the process serves the catalog only once it holds its search index
                checks["catalog_index"] = index_state()
            except Exception as exc:  # noqa: BLE001
                log.warning("readiness: catalog index not checked: %s", type(exc).__name__)
                db.session.rollback()
        failed = sorted(name for name, state in checks.items() if state != "ok")
        if failed:
            return envelope(
                503,
                "NOT_READY",
                "服务暂时不可用：" + "、".join(_NAMES[n] for n in failed),
                extra={"checks": checks},
            )
        return {"status": "ok", "checks": checks}
