"""Reading and checking the Alipay keys (PEM text, bare base64 as the Alipay key tool prints it,
or a path to a file holding either), with messages that say what is wrong and how to fix it."""

from __future__ import annotations

import base64
import binascii
import logging
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.clients.errors import ProviderNotConfigured

log = logging.getLogger(__name__)

MIN_BITS = 2048


def _source(value: str, setting: str) -> tuple[bytes, bool]:
    """(key bytes, is_pem) from PEM text, a file path or bare base64 DER."""
    value = (value or "").strip()
    if not value:
        raise ProviderNotConfigured(f"{setting} is empty")
    if "-----BEGIN" not in value and "\n" not in value and os.path.isfile(value):
        with open(value, "rb") as fh:
            text = fh.read().decode("ascii", "replace").strip()
        if not text:
            raise ProviderNotConfigured(f"{setting}: the file {value} is empty")
        value = text
    if "-----BEGIN" in value:
        return value.encode(), True
    if value.startswith(("/", "./", "../", "~")) or value.endswith((".pem", ".key", ".txt")):
        raise ProviderNotConfigured(f"{setting}: no such key file {value}")
    try:
        return base64.b64decode("".join(value.split()), validate=True), False
    except (binascii.Error, ValueError):
        raise ProviderNotConfigured(
            f"{setting} is neither PEM text, base64 key text nor the path of an existing file"
        ) from None


def app_private_key_pkcs1(value: str, setting: str = "ALIPAY_APP_PRIVATE_KEY") -> str:
    """The app private key as the PKCS#1 PEM (BEGIN RSA PRIVATE KEY) alipay-sdk-python loads.
    A PKCS#8 key (BEGIN PRIVATE KEY, the Alipay key tool's "Java" format) is converted."""
    data, is_pem = _source(value, setting)
    if is_pem:
        if b"PUBLIC KEY-----" in data:
            raise ProviderNotConfigured(
                f"{setting} holds a public key; it must be your app's private key (应用私钥), "
                "PKCS#1 'BEGIN RSA PRIVATE KEY' or PKCS#8 'BEGIN PRIVATE KEY'"
            )
        if b"CERTIFICATE-----" in data:
            raise ProviderNotConfigured(f"{setting} holds a certificate; it must be your app's private key")
        if b"ENCRYPTED" in data:
            raise ProviderNotConfigured(
                f"{setting} is encrypted; give it unencrypted: openssl rsa -in key.pem -out app_private_key.pem -traditional"
            )
    try:
        if is_pem:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError):
        if not is_pem and _is_public_der(data):
            raise ProviderNotConfigured(
                f"{setting} holds a public key; it must be your app's private key (应用私钥)"
            ) from None
        raise ProviderNotConfigured(f"{setting} is not a readable RSA private key (PKCS#1 or PKCS#8)") from None
    _check_rsa(key, setting)
    pkcs8 = (is_pem and b"BEGIN PRIVATE KEY" in data) or (not is_pem and not _is_pkcs1_der(data))
    if pkcs8:
        log.info("%s is PKCS#8; converted to the PKCS#1 form the Alipay SDK needs", setting)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def alipay_public_key_pem(value: str, setting: str = "ALIPAY_PUBLIC_KEY") -> str:
    """Alipay's public key (支付宝公钥) as SubjectPublicKeyInfo PEM (BEGIN PUBLIC KEY)."""
    data, is_pem = _source(value, setting)
    if is_pem and b"PRIVATE KEY-----" in data:
        raise ProviderNotConfigured(
            f"{setting} holds a private key; it must be Alipay's public key (支付宝公钥) from the "
            "open-platform console — and that private key should now be treated as leaked"
        )
    if is_pem and b"CERTIFICATE-----" in data:
        raise ProviderNotConfigured(
            f"{setting} holds a certificate: certificate mode is not supported, configure the public-key mode (支付宝公钥)"
        )
    try:
        if is_pem:
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError):
        if not is_pem and _is_private_der(data):
            raise ProviderNotConfigured(
                f"{setting} holds a private key; it must be Alipay's public key (支付宝公钥)"
            ) from None
        raise ProviderNotConfigured(f"{setting} is not a readable RSA public key") from None
    _check_rsa(key, setting)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def check_pair(app_private_pkcs1: str, alipay_public_pem: str) -> None:
    """The classic mix-up: the app's own public key (应用公钥) configured as Alipay's public key."""
    own = serialization.load_pem_private_key(app_private_pkcs1.encode(), password=None).public_key()
    own_pem = own.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    if own_pem == alipay_public_pem:
        raise ProviderNotConfigured(
            "ALIPAY_PUBLIC_KEY is the public half of your own app key (应用公钥); it must be "
            "Alipay's public key (支付宝公钥), shown next to it in the open-platform console"
        )


def _check_rsa(key, setting: str) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise ProviderNotConfigured(f"{setting} must be an RSA key (RSA2 signatures)")
    if key.key_size < MIN_BITS:
        raise ProviderNotConfigured(f"{setting} is {key.key_size} bits; RSA2 needs at least {MIN_BITS}")


def _is_public_der(data: bytes) -> bool:
    try:
        serialization.load_der_public_key(data)
    except (ValueError, TypeError):
        return False
    return True


def _is_private_der(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError):
        return False
    return True


def _is_pkcs1_der(data: bytes) -> bool:
    # PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER 0, INTEGER n, ... }; PKCS#8 wraps it after an
    # AlgorithmIdentifier SEQUENCE, so the second element is a SEQUENCE (0x30), not an INTEGER.
    try:
        header = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
        version_end = header + 3  # 02 01 00
        return data[header : header + 3] == b"\x02\x01\x00" and data[version_end] == 0x02
    except IndexError:
        return False
