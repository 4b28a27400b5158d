"""app.crypto: AES-GCM field encryption with key ids and rotation, keyed lookup hashes, masks."""

from __future__ import annotations

import base64

import pytest

from app import crypto
from app.crypto import FieldCryptoError

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).decode()
OLD = f"k1:{KEY_A}"
ROTATED = f"k2:{KEY_B},k1:{KEY_A}"


@pytest.fixture
def keys(app):
    """Run inside the app with FIELD_ENCRYPTION_KEYS switchable; restored afterwards."""
    with app.app_context():
        saved = app.config["FIELD_ENCRYPTION_KEYS"]

        def use(spec: str):
            app.config["FIELD_ENCRYPTION_KEYS"] = spec

        yield use
        app.config["FIELD_ENCRYPTION_KEYS"] = saved


def test_round_trip_and_fresh_nonce(keys):
    keys(OLD)
    a = crypto.encrypt("539921199003071204", context="id_number")
    b = crypto.encrypt("539921199003071204", context="id_number")
    assert a != b  # random nonce: equal plaintexts do not show as equal ciphertexts
    assert a.startswith("v1.k1.") and "539921" not in a
    assert crypto.decrypt(a, context="id_number") == "539921199003071204"


def test_rotation_first_key_encrypts_all_keys_decrypt(keys):
    keys(OLD)
    old = crypto.encrypt("13800138000", context="phone")
    keys(ROTATED)
    assert crypto.decrypt(old, context="phone") == "13800138000"
    assert crypto.needs_reencryption(old)
    new = crypto.reencrypt(old, context="phone")
    assert crypto.key_id(new) == "k2" and not crypto.needs_reencryption(new)
    assert crypto.decrypt(new, context="phone") == "13800138000"
    keys(f"k2:{KEY_B}")  # the old key retired: what was re-encrypted still reads
    assert crypto.decrypt(new, context="phone") == "13800138000"
    with pytest.raises(FieldCryptoError, match="no key with id 'k1'"):
        crypto.decrypt(old, context="phone")


def test_tampered_or_moved_ciphertext_does_not_decrypt(keys):
    keys(OLD)
    token = crypto.encrypt("张三", context="person_name")
    version, kid, body = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 1
    tampered = f"{version}.{kid}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
    with pytest.raises(FieldCryptoError, match="authentication"):
        crypto.decrypt(tampered, context="person_name")
    with pytest.raises(FieldCryptoError, match="authentication"):
        crypto.decrypt(token, context="id_number")  # copied into another kind of field
    for junk in ("", "plain", "v2.k1.abc", "v1.k1.!!!"):
        with pytest.raises(FieldCryptoError):
            crypto.decrypt(junk, context="person_name")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "no key"),
        ("nokid", "kid:base64key"),
        ("k1:not base64!", "not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "16, 24 or 32 bytes"),
        (f"k1:{KEY_A},k1:{KEY_B}", "appears twice"),
    ],
)
def test_bad_key_configuration_is_refused(spec, message):
    with pytest.raises(FieldCryptoError, match=message):
        crypto.parse_keys(spec)


def test_lookup_hash_is_keyed_and_purpose_bound(app):
    with app.app_context():
        a = crypto.lookup_hash("13800138000", purpose="phone")
        assert a == crypto.lookup_hash("13800138000", purpose="phone") and len(a) == 64
        assert a != crypto.lookup_hash("13800138000", purpose="id_number")
        saved = app.config["FIELD_HASH_KEY"]
        app.config["FIELD_HASH_KEY"] = "another-key"
        try:
            assert crypto.lookup_hash("13800138000", purpose="phone") != a
        finally:
            app.config["FIELD_HASH_KEY"] = saved


def test_masks():
    assert crypto.mask_id_number("44030119900101123X") == "4403**********123X"
    assert crypto.mask_phone("13800138000") == "138****8000"
    assert crypto.mask_name("林晓岚") == "**岚"
    assert crypto.mask_name("阿依古丽·买买提") == "*******提"
    assert crypto.mask_middle("abc", keep_start=2, keep_end=2) == "**c"
    assert crypto.mask_id_number("") == ""
