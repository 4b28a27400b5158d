"""Progress push: every step of a case reaches the citizen's phone, exactly once (issue 6).

Outbox events (case.*, payment.*, delivery.*, appointment.*, evaluation.*, complaint.*) become
one inbox message and, where the citizen can be reached and has consented, a WeChat subscribe
message, an Alipay mini-program message and (when enabled) an SMS. See notifications.dispatch.
"""

from __future__ import annotations

from flask import Flask

EVENT_PATTERNS = ("case.*", "payment.*", "delivery.*", "appointment.*", "evaluation.*", "complaint.*", "bundle.*")


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
    from app import events
    from app.extensions import api
    from app.queues import Queues
    from app.staff_api import URL_PREFIX as STAFF_PREFIX
    from notifications import models  # noqa: F401 - registers the tables
    from notifications.staff_views import blp as staff_blp

    for pattern in EVENT_PATTERNS:
        family = pattern.split(".")[0]
        events.subscribe(
            pattern,
            "notifications.jobs.on_event",
            name=f"notifications-{family}",
            queue=Queues.NOTIFICATIONS,
            retry_intervals=(),  # the sweep repairs a lost event job; sends retry on their own
        )
    api.register_blueprint(staff_blp, url_prefix=STAFF_PREFIX)
    app.extensions.setdefault("worker_warmup", []).append(_warm_up)


def _warm_up() -> None:
    """At worker start (app.worker): import the send path and build the configured channels once,
    so no job pays for the SDK imports and a forked work horse inherits them."""
    import logging

    from notifications import dispatch  # noqa: F401
    from notifications.providers import registry
    from notifications.providers.base import SendError

    for name in ("wechat", "alipay"):
        try:
            registry.get(name)
        except SendError:
            continue
        except Exception:  # a bad key must not stop the worker: the send reports it
            logging.getLogger(__name__).warning("notifications: %s channel not built at start", name, exc_info=True)
