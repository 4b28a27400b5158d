"""Electronic business licence (电子营业执照) login: the adapter interface (`base`), the HTTP
client of the platform's open API (`ebl`), and the configured gateway of the current app."""

from __future__ import annotations

from flask import current_app

from app.enterprises.providers.base import EblNotConfigured

_EXTENSION = "enterprise_ebl_gateway"


def ebl_gateway():
    """The EblGateway of the current app (built once), or EblNotConfigured when the login is
    off (ENTERPRISE_EBL_ENABLED) or lacks a setting."""
    app = current_app._get_current_object()
    gateway = app.extensions.get(_EXTENSION)
    if gateway is not None:
        return gateway
    config = app.config
    if not config.get("ENTERPRISE_EBL_ENABLED"):
        raise EblNotConfigured("ENTERPRISE_EBL_ENABLED is off")
    missing = [
        k for k in ("EBL_API_BASE", "EBL_APP_ID", "EBL_APP_SECRET", "EBL_PLATFORM_PUBLIC_KEY") if not config.get(k)
    ]
    if missing:
        raise EblNotConfigured(", ".join(missing) + " empty")
    from app.enterprises.providers.ebl import EblGateway

    gateway = EblGateway(
        api_base=config["EBL_API_BASE"],
        app_id=config["EBL_APP_ID"],
        app_secret=config["EBL_APP_SECRET"],
        platform_public_key=config["EBL_PLATFORM_PUBLIC_KEY"],
        timeout=float(config.get("EBL_TIMEOUT", 5)),
        window=int(config.get("EBL_SIGNATURE_WINDOW", 300)),
    )
    app.extensions[_EXTENSION] = gateway
    return gateway
