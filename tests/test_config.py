from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from app.config import Config, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent

# A production configuration that starts: real secrets, PostgreSQL, Redis, the Aliyun SMS
# provider with its credentials, SF Express with its own, staff second factor on.
GOOD = {
    "SECRET_KEY": "p" * 40,
    "FIELD_ENCRYPTION_KEYS": "k2024:c2VjcmV0LXByb2R1Y3Rpb24ta2V5LTMyLWJ5dGVzLS0tLS0=",
    "FIELD_HASH_KEY": "prod-hash-key-xxxxxxxxxxxxxxxxxxxxxxxx",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/zsb",
    "REDIS_URL": "redis://redis:6379/0",
    "SMS_PROVIDER": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-prod",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "prod-secret",
    "SMS_ALIYUN_SIGN_NAME": "掌上办",
    "SMS_ALIYUN_TEMPLATE_CODE": "SMS_0001",
    "SF_PARTNER_ID": "ZSB-PARTNER",
    "SF_CHECKWORD": "prod-checkword",
    "STAFF_TOTP_REQUIRED": True,
    "SANDBOX": False,
    "DEV_FAKES_ALLOWED": False,
}
WECHATPAY_KEYS = {
    "WECHATPAY_MCHID": "1900000001",
    "WECHATPAY_APPID": "wx-prod",
    "WECHATPAY_PRIVATE_KEY": "/etc/zsb/apiclient_key.pem",
    "WECHATPAY_CERT_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A72",
    "WECHATPAY_APIV3_KEY": "a" * 32,
    "WECHATPAY_PUBLIC_KEY": "/etc/zsb/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0000",
}

# (setting named in the refusal, the overrides that make it bad)
BAD = [
    ("SECRET_KEY", {"SECRET_KEY": Config.SECRET_KEY}),
    ("SECRET_KEY", {"SECRET_KEY": "short"}),
    ("FIELD_ENCRYPTION_KEYS", {"FIELD_ENCRYPTION_KEYS": Config.FIELD_ENCRYPTION_KEYS}),
    ("FIELD_HASH_KEY", {"FIELD_HASH_KEY": Config.FIELD_HASH_KEY}),
    ("DATABASE_URL", {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}),
    ("REDIS_URL", {"REDIS_URL": ""}),
    ("FLASK_DEBUG", {"DEBUG": True}),
    ("TESTING", {"TESTING": True}),
    ("SANDBOX", {"SANDBOX": True}),
    ("DEV_FAKES_ALLOWED", {"DEV_FAKES_ALLOWED": True}),
    ("SMS_PROVIDER", {"SMS_PROVIDER": "sandbox"}),
    ("SMS_PROVIDER", {"SMS_PROVIDER": ""}),
    ("NOTIFICATIONS_SMS_PROVIDER", {"NOTIFICATIONS_SMS_PROVIDER": "sandbox"}),
    ("SMS_ALIYUN_ACCESS_KEY_SECRET", {"SMS_ALIYUN_ACCESS_KEY_SECRET": ""}),
    ("SMS_ALIYUN_TEMPLATE_CODE", {"SMS_ALIYUN_TEMPLATE_CODE": ""}),
    ("SMS_ALIYUN_ENDPOINT", {"SMS_ALIYUN_ENDPOINT": "http://127.0.0.1:9100/"}),
    ("WECHAT_API_BASE", {"WECHAT_API_BASE": "http://127.0.0.1:8001"}),
    ("WECHAT_API_BASE", {"WECHAT_API_BASE": "https://localhost:8001"}),
    ("ALIPAY_SERVER_URL", {"ALIPAY_SERVER_URL": "https://openapi-sandbox.dl.alipaydev.com/gateway.do"}),
    ("WECHATPAY_API_BASE", {"WECHATPAY_API_BASE": "https://[::1]:9443"}),
    ("SF_API_URL", {"SF_API_URL": "https://sfapi-sbox.sf-express.com/std/service"}),
    ("SF_CHECKWORD", {"SF_CHECKWORD": ""}),
    ("SF_PARTNER_ID", {"SF_PARTNER_ID": "", "SF_CHECKWORD": ""}),
    ("DELIVERY_DEFAULT_COURIER", {"DELIVERY_DEFAULT_COURIER": "ems"}),
    ("WECHAT_SECRET", {"WECHAT_APPID": "wx-prod"}),
    ("WECHAT_OPEN_SECRET", {"WECHAT_OPEN_APPID": "wx-open"}),
    ("ALIPAY_PUBLIC_KEY", {"ALIPAY_APP_ID": "2021000", "ALIPAY_APP_PRIVATE_KEY": "/etc/zsb/alipay.pem"}),
    ("PAYMENTS_NOTIFY_BASE_URL", dict(WECHATPAY_KEYS)),
    ("PAYMENTS_NOTIFY_BASE_URL", {**WECHATPAY_KEYS, "PAYMENTS_NOTIFY_BASE_URL": "http://zsb.example.gov.cn"}),
    ("PAYMENTS_NOTIFY_BASE_URL", {"PAYMENTS_NOTIFY_BASE_URL": "https://127.0.0.1:8000"}),
    ("WECHATPAY_PRIVATE_KEY", {**WECHATPAY_KEYS, "WECHATPAY_PRIVATE_KEY": ""}),
    ("WECHATPAY_APIV3_KEY", {**WECHATPAY_KEYS, "WECHATPAY_APIV3_KEY": ""}),
    ("WECHATPAY_CERT_SERIAL_NO", {**WECHATPAY_KEYS, "WECHATPAY_CERT_SERIAL_NO": ""}),
    ("WECHATPAY_PUBLIC_KEY", {**WECHATPAY_KEYS, "WECHATPAY_PUBLIC_KEY": ""}),
    ("WECHATPAY_APPID", {**WECHATPAY_KEYS, "WECHATPAY_APPID": ""}),
    ("ALIPAY_CERTIFY_RETURN_URL", {"ALIPAY_CERTIFY_RETURN_URL": "http://zsb.example.gov.cn/back"}),
    ("STAFF_TOTP_REQUIRED", {"STAFF_TOTP_REQUIRED": False}),
]


@pytest.mark.parametrize(("setting", "bad"), BAD, ids=[f"{s}-{i}" for i, (s, _) in enumerate(BAD)])
def test_production_refuses_and_names_each_bad_setting(setting, bad):
    with pytest.raises(RuntimeError, match="refusing to start in production") as refused:
        create_app("production", **{**GOOD, **bad})
    assert re.search(rf"\b{setting}\b", str(refused.value)), str(refused.value)


def test_app_env_production_picks_the_production_check(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match=r"SMS_PROVIDER='sandbox'"):
        create_app(**{**GOOD, "SMS_PROVIDER": "sandbox"})


def test_the_development_configuration_in_production_names_every_problem():
    """Production with the development defaults: one refusal listing each setting to change."""
    with pytest.raises(RuntimeError) as refused:
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite:///x.db", REDIS_URL="", SMS_PROVIDER="sandbox")
    message = str(refused.value)
    for setting in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "DATABASE_URL", "REDIS_URL"):
        assert setting in message
    assert "SMS_PROVIDER" in message and "SF_PARTNER_ID" in message


def test_production_starts_with_real_settings():
    app = create_app("production", **GOOD)
    assert app.config["ENV_NAME"] == "production"


def test_production_starts_with_wechat_pay_and_an_https_notify_base():
    settings = {**GOOD, **WECHATPAY_KEYS, "PAYMENTS_NOTIFY_BASE_URL": "https://zsb.example.gov.cn"}
    # The keys are paths the check does not open; the gateway's own start-up check does, so stop
    # at the configuration check here.
    from app.config import ProductionConfig

    config = {key: getattr(ProductionConfig, key) for key in dir(ProductionConfig) if key.isupper()}
    config.update(settings)
    ProductionConfig.check(config)


def test_production_refuses_the_sms_fake_even_when_asked_for_at_run_time():
    from app import devfakes
    from app.identity import sms

    app = create_app("production", **GOOD)
    with app.app_context():
        app.config["SMS_PROVIDER"] = "sandbox"
        with pytest.raises(devfakes.DevFakeRefused, match="DEV_FAKES_ALLOWED"):
            sms.get_provider()


def test_development_uses_the_sandbox_sms_fake_from_sandbox_package():
    from app.identity import sms

    app = create_app("development")
    assert app.config["SMS_PROVIDER"] == "sandbox" and app.config["DEV_FAKES_ALLOWED"] is True
    with app.app_context():
        provider = sms.get_provider()
    assert type(provider).__module__ == "sandbox.sms"


def test_flask_residents_sms_code_prints_the_sandbox_code_in_development(app):
    from app.extensions import redis_ext
    from app.identity import sms

    dev = create_app(
        "development", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=_redis_url(app)
    )
    with dev.app_context():
        sms.send_login_code("13900001111", ip="198.51.100.77")
        redis_ext.client.delete("rl:sms-send:ip:198.51.100.77")
        expected = sms.sandbox_last_code("13900001111")
    result = dev.test_cli_runner().invoke(args=["residents", "sms-code", "13900001111"])
    assert result.exit_code == 0, result.output
    assert expected and expected in result.output


def _redis_url(app) -> str:
    from app.extensions import redis_ext

    with app.app_context():
        return redis_ext.url


def test_no_development_fake_in_production_packages():
    """Development fakes live in sandbox/ (architecture rule 17)."""
    offenders = []
    for package in ("app", "payments", "delivery", "notifications", "miniprogram_api"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"^class (Sandbox|Fake|Dummy)\w*", path.read_text(encoding="utf-8"), re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_one_configuration_satellites_read_no_environment():
    """payments, delivery and notifications take every setting from app/config.py."""
    for key in (
        "WECHATPAY_MCHID",
        "WECHATPAY_API_BASE",
        "PAYMENTS_NOTIFY_BASE_URL",
        "PAYMENT_ORDER_TTL",
        "SF_API_URL",
        "SF_CHECKWORD",
        "DELIVERY_ORDER_RETRY_INTERVALS",
        "NOTIFICATIONS_RETRY_INTERVALS",
        "NOTIFICATIONS_SMS_PROVIDER",
        "SMS_PROVIDER",
        "CATALOG_SEED_FILE",
    ):
        assert hasattr(Config, key), key
    readers = [
        str(path.relative_to(ROOT))
        for package in ("payments", "delivery", "notifications", "miniprogram_api", "app")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "config.py"
        and "settings" not in path.relative_to(ROOT).parts[:2]  # app/settings/: parts of the configuration
        and re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="unknown APP_ENV"):
        create_app("staging-typo")


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(raw, expected):
    assert normalise_database_url(raw) == expected
