"""Mail-out of results: addresses, courier orders, tracking, pickup (issue 7).

- address book and administrative divisions (addresses.py, divisions.py)
- a delivery per case: the citizen's choice, fixed when `case.result_issued` arrives (service.py)
- courier orders placed by RQ jobs, route pushes and periodic route queries (tracking.py, jobs.py)
- couriers behind one interface: SF Express open platform and the hall (couriers/)
- staff queue of courier orders, waybills, window handover (staff.py)
"""

from __future__ import annotations

import os

from flask import Flask

# Settings read from the environment (with their defaults); create_app(**overrides) wins.
SETTINGS = {
    "SF_API_URL": "https://sfapi-sbox.sf-express.com/std/service",
    "SF_PARTNER_ID": "",
    "SF_CHECKWORD": "",
    "SF_MONTHLY_CARD": "",
    "SF_TIMEOUT": "10",
    "SF_PUSH_MAX_AGE": "900",  # seconds a route push's timestamp may be off
    "DELIVERY_DEFAULT_COURIER": "sf",  # departments without a configured courier
    "DELIVERY_POLL_AFTER_MINUTES": "120",  # query routes of parcels silent for this long
}
DEFAULT_RETRY_INTERVALS = (30, 120, 600)


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
    import delivery.models  # noqa: F401 - tables on the metadata
    from app import events
    from app.queues import Queues
    from delivery.notify import blp

    for key, default in SETTINGS.items():
        app.config.setdefault(key, os.environ.get(key, default))
    if "DELIVERY_ORDER_RETRY_INTERVALS" not in app.config:
        raw = os.environ.get("DELIVERY_ORDER_RETRY_INTERVALS")
        app.config["DELIVERY_ORDER_RETRY_INTERVALS"] = (
            tuple(int(x) for x in raw.split(",") if x.strip()) if raw is not None else DEFAULT_RETRY_INTERVALS
        )
    app.register_blueprint(blp)
    from app.cases.retention import on_discard
    from delivery.retention import forget_draft

    on_discard(app, forget_draft)  # a delivery chosen for a draft goes with the draft
    events.subscribe(
        "case.result_issued",
        "delivery.jobs.on_result_issued",
        name="delivery",
        queue=Queues.DEFAULT,
    )
