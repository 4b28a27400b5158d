"""The core platform's own API for hall windows and department officers (/staff/api/v1)."""

from __future__ import annotations

URL_PREFIX = "/staff/api/v1"


def register(api) -> None:
    from app.staff_api.cases import blp as cases_blp
    from app.staff_api.delivery import blp as delivery_blp
    from app.staff_api.security import register_security_scheme
    from app.staff_api.views import blp

    register_security_scheme(api)
    api.register_blueprint(blp, url_prefix=URL_PREFIX)
    api.register_blueprint(cases_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(delivery_blp, url_prefix=URL_PREFIX)
    from app.staff_api.engagement import register as register_engagement

    register_engagement(api, URL_PREFIX)
