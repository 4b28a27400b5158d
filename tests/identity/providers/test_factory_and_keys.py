"""providers.factory (configured, cached gateways) and the Alipay key checks."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app import create_app
from app.clients.alipay import keys as alipay_keys
from app.clients.errors import ProviderNotConfigured
from app.identity.providers.alipay import AlipayGateway
from app.identity.providers.factory import alipay_gateway, wechat_gateway
from app.identity.providers.wechat import WeChatGateway
from sandbox.keys import SandboxKeys


@pytest.fixture
def make_app(sandbox_app):
    shared = {k: sandbox_app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL")}

    def make(**settings):
        return create_app("testing", **{**shared, **settings})

    return make


def pem_private(key, fmt) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def pem_public(key) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# ---------------------------------------------------------------- factory


def test_factory_builds_each_gateway_once_per_app(sandbox_app, sandbox):
    with sandbox_app.app_context():
        wechat, alipay = wechat_gateway(), alipay_gateway()
        assert isinstance(wechat, WeChatGateway) and isinstance(alipay, AlipayGateway)
        assert wechat_gateway() is wechat and alipay_gateway() is alipay
        assert wechat.code_to_session(sandbox.wechat_login_code("alice")).openid
        assert alipay.oauth_token(sandbox.alipay_auth_code("alice")).user_id


def test_each_app_gets_its_own_gateways(sandbox_app, make_app, sandbox):
    other = make_app(**sandbox.settings)
    with sandbox_app.app_context():
        first = wechat_gateway()
    with other.app_context():
        assert wechat_gateway() is not first


def test_missing_credentials_mean_the_channel_is_off(make_app):
    app = make_app(WECHAT_APPID="", WECHAT_SECRET="", WECHAT_OPEN_APPID="", ALIPAY_APP_ID="")
    with app.app_context():
        with pytest.raises(ProviderNotConfigured):
            wechat_gateway()
        with pytest.raises(ProviderNotConfigured) as caught:
            alipay_gateway()
        assert "ALIPAY_APP_ID" in caught.value.detail
        with pytest.raises(ProviderNotConfigured):  # not cached as a success afterwards either
            alipay_gateway()


def test_open_platform_only_configuration_serves_app_login(make_app, sandbox):
    settings = {**sandbox.settings, "WECHAT_APPID": "", "WECHAT_SECRET": ""}
    with make_app(**settings).app_context():
        gateway = wechat_gateway()
        assert gateway.app_login(sandbox.wechat_login_code("alice")).channel == "wechat_app"
        with pytest.raises(ProviderNotConfigured):
            gateway.code_to_session(sandbox.wechat_login_code("alice"))


def test_keys_can_be_given_as_file_paths(make_app, sandbox, tmp_path):
    (tmp_path / "app.pem").write_text(sandbox.keys.app.private_pem)
    (tmp_path / "alipay.pem").write_text(sandbox.keys.alipay.public_pem)
    settings = {
        **sandbox.settings,
        "ALIPAY_APP_PRIVATE_KEY": str(tmp_path / "app.pem"),
        "ALIPAY_PUBLIC_KEY": str(tmp_path / "alipay.pem"),
    }
    with make_app(**settings).app_context():
        assert alipay_gateway().oauth_token(sandbox.alipay_auth_code("alice")).user_id


def test_sandbox_key_directory_settings_work(make_app, sandbox, tmp_path):
    SandboxKeys.load_or_create(tmp_path)
    paths = SandboxKeys.paths(tmp_path)
    assert alipay_keys.app_private_key_pkcs1(str(paths["app_private"])).startswith("-----BEGIN RSA PRIVATE KEY")
    assert alipay_keys.alipay_public_key_pem(str(paths["alipay_public"])).startswith("-----BEGIN PUBLIC KEY")


def test_a_bad_key_in_the_config_says_so(make_app, sandbox):
    settings = {**sandbox.settings, "ALIPAY_PUBLIC_KEY": sandbox.keys.alipay.private_pem}
    with make_app(**settings).app_context():
        with pytest.raises(ProviderNotConfigured) as caught:
            alipay_gateway()
    assert "ALIPAY_PUBLIC_KEY holds a private key" in caught.value.detail


# ---------------------------------------------------------------- key formats


def test_a_pkcs8_app_key_is_converted_to_the_pkcs1_the_sdk_needs(make_gateway_settings, sandbox):
    key = serialization.load_pem_private_key(sandbox.keys.app.private_pem.encode(), password=None)
    pkcs8 = pem_private(key, serialization.PrivateFormat.PKCS8)
    assert "BEGIN PRIVATE KEY" in pkcs8
    converted = alipay_keys.app_private_key_pkcs1(pkcs8)
    assert converted == sandbox.keys.app.private_pem
    gateway = AlipayGateway(**{**make_gateway_settings, "app_private_key": pkcs8})
    assert gateway.oauth_token(sandbox.alipay_auth_code("alice")).user_id


def test_bare_base64_keys_as_the_alipay_key_tool_prints_them(make_gateway_settings, sandbox):
    key = serialization.load_pem_private_key(sandbox.keys.app.private_pem.encode(), password=None)
    bare_private = base64.b64encode(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ).decode()
    bare_public = "".join(sandbox.keys.alipay.public_pem.strip().splitlines()[1:-1])
    gateway = AlipayGateway(
        **{**make_gateway_settings, "app_private_key": bare_private, "alipay_public_key": bare_public}
    )
    assert gateway.oauth_token(sandbox.alipay_auth_code("alice")).user_id


@pytest.fixture
def make_gateway_settings(sandbox):
    s = sandbox.settings
    return {
        "app_id": s["ALIPAY_APP_ID"],
        "app_private_key": s["ALIPAY_APP_PRIVATE_KEY"],
        "alipay_public_key": s["ALIPAY_PUBLIC_KEY"],
        "server_url": s["ALIPAY_SERVER_URL"],
    }


def _app_key_errors(sandbox):
    rsa_key = serialization.load_pem_private_key(sandbox.keys.app.private_pem.encode(), password=None)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
    ).decode()
    bare_public = "".join(sandbox.keys.app.public_pem.strip().splitlines()[1:-1])
    return [
        ("", "is empty"),
        (sandbox.keys.app.public_pem, "holds a public key"),
        (bare_public, "holds a public key"),
        (encrypted, "is encrypted"),
        (pem_private(small, serialization.PrivateFormat.TraditionalOpenSSL), "at least 2048"),
        (pem_private(ec_key, serialization.PrivateFormat.PKCS8), "must be an RSA key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nbm9wZQ==\n-----END RSA PRIVATE KEY-----", "not a readable RSA private key"),
        ("/nonexistent/app_private_key.pem", "no such key file"),
        ("this is not a key!", "neither PEM text"),
    ]


def test_app_private_key_errors_say_what_is_wrong(sandbox):
    for value, message in _app_key_errors(sandbox):
        with pytest.raises(ProviderNotConfigured) as caught:
            alipay_keys.app_private_key_pkcs1(value)
        assert message in caught.value.detail, (message, caught.value.detail)
        assert "ALIPAY_APP_PRIVATE_KEY" in caught.value.detail


def test_alipay_public_key_errors_say_what_is_wrong(sandbox):
    cert_like = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    bare_private = "".join(sandbox.keys.alipay.private_pem.strip().splitlines()[1:-1])
    ec_public = pem_public(ec.generate_private_key(ec.SECP256R1()).public_key())
    cases = [
        (sandbox.keys.alipay.private_pem, "holds a private key"),
        (bare_private, "holds a private key"),
        (cert_like, "certificate mode is not supported"),
        (ec_public, "must be an RSA key"),
        ("-----BEGIN PUBLIC KEY-----\nbm9wZQ==\n-----END PUBLIC KEY-----", "not a readable RSA public key"),
    ]
    for value, message in cases:
        with pytest.raises(ProviderNotConfigured) as caught:
            alipay_keys.alipay_public_key_pem(value)
        assert message in caught.value.detail, (message, caught.value.detail)


def test_an_rsa_public_key_in_pkcs1_form_is_accepted(sandbox):
    key = serialization.load_pem_public_key(sandbox.keys.alipay.public_pem.encode())
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert "BEGIN RSA PUBLIC KEY" in pkcs1
    assert alipay_keys.alipay_public_key_pem(pkcs1) == sandbox.keys.alipay.public_pem


def test_the_apps_own_public_key_as_alipay_key_is_caught(make_gateway_settings, sandbox):
    with pytest.raises(ProviderNotConfigured) as caught:
        AlipayGateway(**{**make_gateway_settings, "alipay_public_key": sandbox.keys.app.public_pem})
    assert "public half of your own app key" in caught.value.detail


def test_a_fresh_key_pair_is_not_mistaken_for_the_apps_own(make_gateway_settings, stranger_keypair):
    AlipayGateway(**{**make_gateway_settings, "alipay_public_key": stranger_keypair.public_pem})
