"""The core platform's own API for hall windows and department officers (/staff/api/v1).

The satellites (payments, notifications, delivery) mount their own staff views under the same
prefix from their `init_app`."""

from __future__ import annotations

URL_PREFIX = "/staff/api/v1"


def register(api) -> None:
    from app.staff_api.appointments import blp as appointments_blp
    from app.staff_api.cases import blp as cases_blp
    from app.staff_api.complaints import blp as complaints_blp
    from app.staff_api.evaluations import blp as evaluations_blp
    from app.staff_api.security import register_security_scheme
    from app.staff_api.stats import blp as stats_blp
    from app.staff_api.views import blp

    register_security_scheme(api)
    for module_blp in (blp, cases_blp, stats_blp, complaints_blp, evaluations_blp, appointments_blp):
        api.register_blueprint(module_blp, url_prefix=URL_PREFIX)
