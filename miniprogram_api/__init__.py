"""The citizen API for the WeChat / Alipay mini-programs and the mobile app.

Thin flask-smorest views shaped for small screens. No business rules and no database access
here: every decision is delegated to the core platform's service functions.
"""

from __future__ import annotations

URL_PREFIX = "/api/v1"


def register(api) -> None:
    from miniprogram_api.catalog import blp as catalog_blp

    api.register_blueprint(catalog_blp, url_prefix=URL_PREFIX)
