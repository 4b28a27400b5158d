"""Route pushes from couriers, received: the push is verified, its raw body stored, its routes
applied, and SF's answer returned (the view in delivery/notify.py only passes the request on;
this module commits, views never do).

An error answer makes SF push again later, so only a push we could not verify or could not
store gets one.
"""

from __future__ import annotations

import logging

from app.extensions import db
from delivery import tracking
from delivery.models import RoutePush
from delivery.providers import sf_from_config
from delivery.providers.base import PushRejected
from delivery.providers.sf import PUSH_OK, push_error

log = logging.getLogger(__name__)

_MESSAGES = {"digest": "验签失败", "timestamp": "时间戳超出允许范围"}


def _store(body: str, *, verified: bool, outcome: str) -> None:
    db.session.add(RoutePush(provider="sf", body=body, verified=verified, outcome=outcome[:64]))
    db.session.commit()


def handle_sf(form: dict, raw: str) -> tuple[int, dict]:
    """One SF Express route push (`form` parsed in full, `raw` the part of the body we keep).
    Returns the HTTP status and SF's answer; commits."""
    try:
        batch = sf_from_config().parse_push(form)
    except PushRejected as exc:
        log.warning("SF route push refused: %s", exc)
        _store(raw, verified=False, outcome=f"refused: {exc}")
        return 200, push_error(_MESSAGES.get(exc.reason, "报文有误"))
    try:
        result = tracking.apply_routes(batch.routes, courier_name="sf", source="push", commit=False)
        # the raw push with the routes it brought, in one transaction
        db.session.add(
            RoutePush(
                provider="sf",
                body=raw,
                verified=True,
                outcome=f"added {result['added']} unknown {result['unknown']}",
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("SF route push could not be applied")
        _store(raw, verified=True, outcome="error")
        return 500, push_error("处理失败，请重推")
    return 200, PUSH_OK
