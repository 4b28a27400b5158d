"""Online payment of case fees: WeChat Pay v3 and Alipay (issue 5).

- `service`: fee orders (start, show, settle), `callbacks` + `views`: the provider callbacks,
  `refunds`: refunds of rejected, denied or withdrawn cases, `reconcile`: the periodic job.
- `gateways/`: the provider interface (dataclasses) and the WeChat Pay (wechatpayv3) and Alipay
  (alipay-sdk-python) gateways; SDK objects never leave it.
"""

from __future__ import annotations

import os

from flask import Flask

# Settings with their defaults (environment first). WECHATPAY_* name the merchant; ALIPAY_* are
# shared with identity (same app). PAYMENTS_NOTIFY_BASE_URL is our public https base for callbacks.
SETTINGS = {
    "WECHATPAY_MCHID": "",
    "WECHATPAY_APPID": "",  # defaults to WECHAT_APPID (the mini-program)
    "WECHATPAY_PRIVATE_KEY": "",  # merchant apiclient_key.pem (PKCS#8; PKCS#1 is converted), PEM or path
    "WECHATPAY_CERT_SERIAL_NO": "",  # serial of the merchant certificate
    "WECHATPAY_APIV3_KEY": "",  # 32 characters
    "WECHATPAY_PUBLIC_KEY": "",  # WeChat Pay public key (PEM or path) ...
    "WECHATPAY_PUBLIC_KEY_ID": "",  # ... and its PUB_KEY_ID_…
    "WECHATPAY_PLATFORM_CERTS": "",  # platform certificate(s): PEM, a file or a directory of *.pem
    "WECHATPAY_API_BASE": "https://api.mch.weixin.qq.com",
    "WECHATPAY_TIMEOUT": "10",
    "PAYMENTS_NOTIFY_BASE_URL": "",
    "PAYMENT_ORDER_TTL": "1800",  # seconds an order may be paid
    "PAYMENT_RECONCILE_AFTER": "120",  # seconds without a callback before we ask the provider
    "PAYMENT_NOTIFY_WINDOW": "300",  # accepted age of a WeChat Pay callback timestamp
}


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
    from app import events
    from app.extensions import api
    from app.queues import Queues
    from app.staff_api import URL_PREFIX as STAFF_PREFIX
    from payments import gateways, models  # noqa: F401 - registers the tables
    from payments.staff_views import blp as staff_blp
    from payments.views import bp

    for key, default in SETTINGS.items():
        app.config.setdefault(key, os.environ.get(key, default))
    app.register_blueprint(bp)
    api.register_blueprint(staff_blp, url_prefix=STAFF_PREFIX)
    for action in ("reject", "deny", "withdraw"):
        events.subscribe(
            f"case.{action}", "payments.jobs.on_case_closed", name=f"payments-refund-{action}", queue=Queues.HIGH
        )
    gateways.check_at_startup(app)
