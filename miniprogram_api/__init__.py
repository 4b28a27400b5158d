"""The citizen API for the WeChat / Alipay mini-programs and the mobile app.

Thin flask-smorest views shaped for small screens. No business rules and no database access
here: every decision is delegated to the core platform's service functions.
"""

from __future__ import annotations

URL_PREFIX = "/api/v1"


def register(api) -> None:
    from miniprogram_api.applications import blp as applications_blp
    from miniprogram_api.appointments import blp as appointments_blp
    from miniprogram_api.auth import blp as auth_blp
    from miniprogram_api.bundle_catalog import blp as bundle_catalog_blp
    from miniprogram_api.bundles import blp as bundle_applications_blp
    from miniprogram_api.catalog import blp as catalog_blp
    from miniprogram_api.complaints import blp as complaints_blp
    from miniprogram_api.delivery import blp as delivery_blp
    from miniprogram_api.evaluations import blp as evaluations_blp
    from miniprogram_api.identity import blp as identity_blp
    from miniprogram_api.licences import blp as licences_blp
    from miniprogram_api.notifications import blp as notifications_blp
    from miniprogram_api.payments import blp as payments_blp
    from miniprogram_api.security import register_security_scheme
    from miniprogram_api.stats import blp as stats_blp

    register_security_scheme(api)
    api.register_blueprint(catalog_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(bundle_catalog_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(auth_blp, url_prefix=URL_PREFIX + "/auth")
    api.register_blueprint(identity_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(licences_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(applications_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(payments_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(delivery_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(notifications_blp, url_prefix=URL_PREFIX)
    api.register_blueprint(bundle_applications_blp, url_prefix=URL_PREFIX)
    for module_blp in (stats_blp, complaints_blp, evaluations_blp, appointments_blp):
        api.register_blueprint(module_blp, url_prefix=URL_PREFIX)
