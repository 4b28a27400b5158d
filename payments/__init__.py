"""Online payment of case fees: WeChat Pay v3 and Alipay (issue 5).

- `service`: fee orders (start, show, settle), `callbacks` + `views`: the provider callbacks,
  `refunds`: refunds of rejected, denied or withdrawn cases, `reconcile`: the periodic job.
- `providers/`: the provider interface (dataclasses) and the WeChat Pay (wechatpayv3) and Alipay
  (alipay-sdk-python) gateways; SDK objects never leave it (the Alipay client itself is built by
  app.clients.alipay).
"""

from __future__ import annotations

from flask import Flask

# Settings: WECHATPAY_*, PAYMENTS_NOTIFY_BASE_URL, PAYMENT_* in app/config.py (one configuration).


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
    from app import events
    from app.extensions import api
    from app.queues import Queues
    from app.staff_api import URL_PREFIX as STAFF_PREFIX
    from payments import models, providers  # noqa: F401 - registers the tables
    from payments.staff_views import blp as staff_blp
    from payments.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(staff_blp, url_prefix=STAFF_PREFIX)
    for action in ("reject", "deny", "withdraw"):
        events.subscribe(
            f"case.{action}", "payments.jobs.on_case_closed", name=f"payments-refund-{action}", queue=Queues.HIGH
        )
    providers.check_at_startup(app)
