"""Mail-out of results: addresses, courier orders, tracking, pickup (issue 7).

- address book and administrative divisions (addresses.py, divisions.py)
- a delivery per case: the citizen's choice, fixed when `case.result_issued` arrives (service.py)
- courier orders placed by RQ jobs, route pushes and periodic route queries (tracking.py, jobs.py)
- couriers behind one interface: SF Express open platform and the hall (providers/)
- staff queue of courier orders, waybills, window handover (staff.py, views in staff_views.py)
"""

from __future__ import annotations

from flask import Flask

# Settings: SF_* and DELIVERY_* in app/config.py (one configuration).


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
    import delivery.models  # noqa: F401 - tables on the metadata
    from app import events
    from app.extensions import api
    from app.queues import Queues
    from app.staff_api import URL_PREFIX as STAFF_PREFIX
    from delivery.notify import blp
    from delivery.staff_views import blp as staff_blp

    app.register_blueprint(blp)
    api.register_blueprint(staff_blp, url_prefix=STAFF_PREFIX)
    from app.cases.retention import on_discard
    from delivery.retention import forget_draft

    on_discard(app, forget_draft)  # a delivery chosen for a draft goes with the draft
    events.subscribe(
        "case.result_issued",
        "delivery.jobs.on_result_issued",
        name="delivery",
        queue=Queues.DEFAULT,
    )
    # a case ended without a result leaves its parcel; so does one whose decision was revoked
    # while its result waited for the others (the revoked result is not sent)
    for action in ("reject", "deny", "withdraw", "revoke"):
        events.subscribe(
            f"case.{action}", "delivery.jobs.on_case_ended", name=f"delivery-parcel-{action}", queue=Queues.DEFAULT
        )
