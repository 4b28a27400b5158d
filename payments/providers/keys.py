"""Reading and checking the payment keys at start-up, with messages that say what is wrong and
how to fix it: PKCS#1 vs PKCS#8, a certificate or public key where a private key belongs, our
own public key configured as the provider's, an APIv3 key that is not 32 bytes.

Values are PEM text or a path to a file (for WECHATPAY_PLATFORM_CERTS also a directory of
`*.pem` certificates)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MIN_BITS = 2048


class KeyProblem(RuntimeError):
    """A payment key setting that cannot work; the message names the setting and the fix."""


def _text(value: str, setting: str) -> str:
    value = (value or "").strip()
    if not value:
        raise KeyProblem(f"{setting} is empty")
    if "-----BEGIN" in value:
        return value
    path = Path(value)
    if path.is_file():
        text = path.read_text().strip()
        if not text:
            raise KeyProblem(f"{setting}: the file {value} is empty")
        return text
    if len(value) < 200 and (os.sep in value or value.endswith(".pem")):
        raise KeyProblem(f"{setting}: no such key file {value}")
    return value  # bare base64: handled by the callers' wrapping


def _public_bytes(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _check_rsa(key, setting: str) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise KeyProblem(f"{setting} must be an RSA key (SHA256withRSA signatures)")
    if key.key_size < MIN_BITS:
        raise KeyProblem(f"{setting} is {key.key_size} bits; at least {MIN_BITS} are required")


def merchant_private_key(value: str, setting: str = "WECHATPAY_PRIVATE_KEY") -> tuple[str, rsa.RSAPrivateKey]:
    """(PKCS#8 PEM for wechatpayv3, the loaded key). wechatpayv3 wraps whatever it gets in
    `BEGIN PRIVATE KEY` and fails on a PKCS#1 key (`BEGIN RSA PRIVATE KEY`, what `openssl genrsa`
    of OpenSSL 1.x prints); such a key is converted here instead."""
    text = _text(value, setting)
    if "CERTIFICATE" in text:
        raise KeyProblem(
            f"{setting} holds a certificate (apiclient_cert.pem); it must be the merchant private key apiclient_key.pem"
        )
    if "BEGIN PUBLIC KEY" in text:
        raise KeyProblem(f"{setting} holds a public key; it must be the merchant private key apiclient_key.pem")
    if "-----BEGIN" not in text:
        text = f"-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----"
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except TypeError:
        raise KeyProblem(f"{setting} is encrypted; give the key without a passphrase") from None
    except ValueError:
        raise KeyProblem(f"{setting} is not a readable RSA private key (PKCS#8 or PKCS#1 PEM)") from None
    _check_rsa(key, setting)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pkcs8, key


def public_key(value: str, setting: str) -> tuple[str, rsa.RSAPublicKey]:
    """(SubjectPublicKeyInfo PEM, the loaded key) of a provider public key."""
    text = _text(value, setting)
    if "PRIVATE KEY" in text:
        raise KeyProblem(f"{setting} holds a private key; it must be the provider's public key (pub_key.pem)")
    if "CERTIFICATE" in text:
        raise KeyProblem(f"{setting} holds a certificate; give it as WECHATPAY_PLATFORM_CERTS instead")
    if "-----BEGIN" not in text:
        text = f"-----BEGIN PUBLIC KEY-----\n{text}\n-----END PUBLIC KEY-----"
    try:
        key = serialization.load_pem_public_key(text.encode())
    except ValueError:
        raise KeyProblem(f"{setting} is not a readable RSA public key (BEGIN PUBLIC KEY PEM)") from None
    _check_rsa(key, setting)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return pem, key


def platform_certificates(value: str, setting: str = "WECHATPAY_PLATFORM_CERTS") -> dict[str, x509.Certificate]:
    """serial (upper-case hex, as in Wechatpay-Serial) -> certificate, from PEM text holding one or
    more certificates, a file, or a directory of *.pem files (wechatpayv3's cert_dir layout)."""
    value = (value or "").strip()
    if not value:
        return {}
    texts: list[str] = []
    path = Path(value) if "-----BEGIN" not in value else None
    if path is not None and path.is_dir():
        texts = [p.read_text() for p in sorted(path.glob("*.pem"))]
        if not texts:
            raise KeyProblem(f"{setting}: the directory {value} holds no *.pem certificate")
    else:
        texts = [_text(value, setting)]
    certs: dict[str, x509.Certificate] = {}
    for text in texts:
        if "PRIVATE KEY" in text:
            raise KeyProblem(f"{setting} holds a private key; it must be WeChat Pay platform certificate(s)")
        try:
            loaded = x509.load_pem_x509_certificates(text.encode())
        except ValueError:
            raise KeyProblem(f"{setting} is not a PEM certificate (BEGIN CERTIFICATE)") from None
        for cert in loaded:
            _check_rsa(cert.public_key(), setting)
            certs[format(cert.serial_number, "X")] = cert
    return certs


def apiv3_key(value: str, setting: str = "WECHATPAY_APIV3_KEY") -> str:
    value = value or ""
    if len(value.encode()) != 32:
        raise KeyProblem(
            f"{setting} is {len(value.encode())} bytes; the APIv3 key set in the merchant platform is exactly 32 "
            "characters (it is not the older API key nor the certificate serial)"
        )
    return value


def check_not_ours(merchant: rsa.RSAPrivateKey, provider_key: rsa.RSAPublicKey, setting: str) -> None:
    """The classic mix-up: our own public key configured as the provider's."""
    if _public_bytes(merchant.public_key()) == _public_bytes(provider_key):
        raise KeyProblem(
            f"{setting} is the public half of our own merchant key; it must be the key WeChat Pay gives you "
            "(微信支付公钥 / 平台证书)"
        )
