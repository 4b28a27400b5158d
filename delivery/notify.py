"""Route pushes from couriers: `POST /delivery/notify/sf`.

The raw body is stored first; the digest (and timestamp window) is checked over the raw
msgData; the routes are applied idempotently; the answer is in SF's exact format. An error
answer makes SF push again later, so only a push we could not verify or could not store gets one.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from app.extensions import db
from delivery import tracking
from delivery.models import RoutePush
from delivery.providers import sf_from_config
from delivery.providers.base import PushRejected
from delivery.providers.sf import PUSH_OK, push_error

log = logging.getLogger(__name__)

blp = Blueprint("delivery_notify", __name__, url_prefix="/delivery/notify")


def _store(body: str, *, verified: bool, outcome: str) -> None:
    db.session.add(RoutePush(provider="sf", body=body, verified=verified, outcome=outcome[:64]))
    db.session.commit()


_MESSAGES = {"digest": "验签失败", "timestamp": "时间戳超出允许范围"}


@blp.post("/sf")
def sf_route_push():
    raw = request.get_data(as_text=True)[:20000]  # what we keep of it; the form is parsed in full
    try:
        batch = sf_from_config().parse_push(request.form.to_dict())
    except PushRejected as exc:
        log.warning("SF route push refused: %s", exc)
        _store(raw, verified=False, outcome=f"refused: {exc}")
        return jsonify(push_error(_MESSAGES.get(exc.reason, "报文有误")))
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
        return jsonify(push_error("处理失败，请重推")), 500
    return jsonify(PUSH_OK)
