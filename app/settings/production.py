"""What production refuses: every problem names the setting to change.

One check over the one configuration (app/config.py), the settings of payments, delivery and
notifications included: development secrets, development fakes, provider bases that are a
sandbox or loopback, enabled providers without their credentials, plain-http callback URLs,
SQLite, the embedded Redis, and staff logins without a second factor.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from app.settings.development import DEV_FIELD_ENCRYPTION_KEYS, DEV_FIELD_HASH_KEY, DEV_SECRET_KEY
from app.storage.settings import storage_problems

# Provider test environments: real hosts, but not where citizens' payments and parcels go.
SANDBOX_HOSTS = {
    "sfapi-sbox.sf-express.com",
    "openapi.alipaydev.com",
    "openapi-sandbox.dl.alipaydev.com",
}
# The base URL settings of the providers we call.
PROVIDER_BASES = (
    "WECHAT_API_BASE",
    "ALIPAY_SERVER_URL",
    "WECHATPAY_API_BASE",
    "SF_API_URL",
    "SMS_ALIYUN_ENDPOINT",
)
REAL_SMS_PROVIDERS = ("aliyun",)
ALIYUN_SMS_CREDENTIALS = (
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_ALIYUN_SIGN_NAME",
    "SMS_ALIYUN_TEMPLATE_CODE",
)


def production_problems(config) -> list[str]:
    """Every reason `config` must not run in production, each naming its setting."""
    problems: list[str] = []
    if config["SECRET_KEY"] == DEV_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY is the development default or shorter than 32 characters")
    if config["FIELD_ENCRYPTION_KEYS"] == DEV_FIELD_ENCRYPTION_KEYS or "dev1:" in config["FIELD_ENCRYPTION_KEYS"]:
        problems.append("FIELD_ENCRYPTION_KEYS still holds the development key")
    if config["FIELD_HASH_KEY"] == DEV_FIELD_HASH_KEY:
        problems.append("FIELD_HASH_KEY is the development default")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production (not SQLite)")
    if not config["REDIS_URL"]:
        problems.append("REDIS_URL must be set in production (no embedded Redis)")
    if config.get("DEBUG"):
        problems.append("FLASK_DEBUG (DEBUG) must be off in production")
    if config.get("TESTING"):
        problems.append("TESTING must be off in production")
    problems += storage_problems(config, production=True)
    problems += _fake_problems(config)
    problems += _provider_problems(config)
    # Helper setting of the staff second factor: when it exists it must be on in production.
    if "STAFF_TOTP_REQUIRED" in config and not config["STAFF_TOTP_REQUIRED"]:
        problems.append("STAFF_TOTP_REQUIRED must be on in production (staff sign in with a second factor)")
    return problems


def _fake_problems(config) -> list[str]:
    problems = []
    if config.get("SANDBOX"):
        problems.append("SANDBOX must be off in production (the providers' loopback simulators)")
    if config.get("DEV_FAKES_ALLOWED"):
        problems.append("DEV_FAKES_ALLOWED must be off in production (development fakes of sandbox/)")
    sms = str(config.get("SMS_PROVIDER") or "")
    if sms not in REAL_SMS_PROVIDERS:
        problems.append(f"SMS_PROVIDER={sms!r} is not a real SMS provider (use one of {', '.join(REAL_SMS_PROVIDERS)})")
    notify_sms = str(config.get("NOTIFICATIONS_SMS_PROVIDER") or "")
    if notify_sms and notify_sms not in REAL_SMS_PROVIDERS:
        problems.append(
            f"NOTIFICATIONS_SMS_PROVIDER={notify_sms!r} is not a real SMS provider "
            f"(use one of {', '.join(REAL_SMS_PROVIDERS)}, or leave it empty for SMS_PROVIDER)"
        )
    if "aliyun" in (sms, notify_sms):
        problems += [
            f"{key} must be set for the Aliyun SMS provider" for key in ALIYUN_SMS_CREDENTIALS if not config.get(key)
        ]
    return problems


def _provider_problems(config) -> list[str]:
    problems = []
    for key in PROVIDER_BASES:
        problem = url_problem(config.get(key) or "")
        if problem:
            problems.append(f"{key} {problem}")
    for key in ("PAYMENTS_NOTIFY_BASE_URL", "ALIPAY_CERTIFY_RETURN_URL"):
        value = config.get(key) or ""
        problem = url_problem(value) if value else None
        if problem:
            problems.append(f"{key} {problem}")

    def need(enabled_by: str, *keys: str) -> None:
        problems.extend(f"{key} must be set when {enabled_by}" for key in keys if not config.get(key))

    if config.get("WECHAT_APPID"):
        need("WECHAT_APPID is set", "WECHAT_SECRET")
    if config.get("WECHAT_OPEN_APPID"):
        need("WECHAT_OPEN_APPID is set", "WECHAT_OPEN_SECRET")
    if config.get("ALIPAY_APP_ID"):
        need("ALIPAY_APP_ID is set", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    payments_on = bool(config.get("WECHATPAY_MCHID") or (config.get("ALIPAY_APP_ID")))
    if config.get("WECHATPAY_MCHID"):
        need("WECHATPAY_MCHID is set", "WECHATPAY_PRIVATE_KEY", "WECHATPAY_CERT_SERIAL_NO", "WECHATPAY_APIV3_KEY")
        if not (config.get("WECHATPAY_APPID") or config.get("WECHAT_APPID")):
            problems.append("WECHATPAY_APPID (or WECHAT_APPID) must be set when WECHATPAY_MCHID is set")
        if not (config.get("WECHATPAY_PUBLIC_KEY") or config.get("WECHATPAY_PLATFORM_CERTS")):
            problems.append("WECHATPAY_PUBLIC_KEY or WECHATPAY_PLATFORM_CERTS must be set when WECHATPAY_MCHID is set")
    if payments_on and not config.get("PAYMENTS_NOTIFY_BASE_URL"):
        problems.append("PAYMENTS_NOTIFY_BASE_URL must be our public https:// base when a payment provider is set")
    courier = config.get("DELIVERY_DEFAULT_COURIER")
    if courier not in ("sf", "hall"):
        problems.append(f"DELIVERY_DEFAULT_COURIER={courier!r} must be sf or hall")
    if courier == "sf" or config.get("SF_PARTNER_ID"):
        reason = "SF_PARTNER_ID is set" if config.get("SF_PARTNER_ID") else "DELIVERY_DEFAULT_COURIER=sf"
        need(reason, "SF_PARTNER_ID", "SF_CHECKWORD")
    # --- ent-core: the 电子营业执照 login, when on, talks to the real platform only
    if config.get("ENTERPRISE_EBL_ENABLED"):
        need("ENTERPRISE_EBL_ENABLED is on", "EBL_APP_ID", "EBL_APP_SECRET", "EBL_PLATFORM_PUBLIC_KEY")
        problem = url_problem(config.get("EBL_API_BASE") or "")
        if problem:
            problems.append(f"EBL_API_BASE {problem}")
    return problems


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a production provider base or public callback URL, or None."""
    if not url:
        return "must be set"
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"must be an https:// URL, not {parts.scheme or 'a bare'}:// ({url})"
    host = (parts.hostname or "").lower()
    if not host:
        return f"has no host ({url})"
    if host == "localhost" or host.endswith(".localhost") or _is_local_address(host):
        return f"points at a loopback address ({host}): a sandbox, not the provider"
    if host in SANDBOX_HOSTS:
        return f"points at the provider's sandbox ({host})"
    return None


def _is_local_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
