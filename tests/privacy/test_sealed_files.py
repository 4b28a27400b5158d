"""Whole-file sealing (app.crypto encrypt_bytes/decrypt_bytes, app.storage.SealedStorage) and the
masking of numbers in free text."""

from __future__ import annotations

import base64

import pytest

from app import crypto
from app.crypto import FieldCryptoError
from app.storage import LocalStorage, SealedStorage, StorageError

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
DATA = b"%PDF-1.4\nscan of an ID card 539921199003071204\n%%EOF\n"


@pytest.fixture
def keys(app):
    with app.app_context():
        saved = app.config["FIELD_ENCRYPTION_KEYS"]

        def use(spec: str):
            app.config["FIELD_ENCRYPTION_KEYS"] = spec

        yield use
        app.config["FIELD_ENCRYPTION_KEYS"] = saved


def test_a_sealed_file_opens_only_under_its_key_and_storage_key(keys):
    keys(f"k1:{KEY_A}")
    blob = crypto.encrypt_bytes(DATA, context="cases/1/0/a.pdf")
    assert crypto.is_sealed_bytes(blob) and crypto.bytes_key_id(blob) == "k1" and b"539921" not in blob
    assert crypto.encrypt_bytes(DATA, context="cases/1/0/a.pdf") != blob  # a fresh nonce each time
    assert crypto.decrypt_bytes(blob, context="cases/1/0/a.pdf") == DATA
    with pytest.raises(FieldCryptoError, match="authentication"):
        crypto.decrypt_bytes(blob, context="cases/2/0/a.pdf")  # copied under another key
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(FieldCryptoError, match="authentication"):
        crypto.decrypt_bytes(bytes(tampered), context="cases/1/0/a.pdf")
    keys(f"k2:{KEY_B},k1:{KEY_A}")
    assert crypto.file_needs_reencryption(blob) and crypto.decrypt_bytes(blob, context="cases/1/0/a.pdf") == DATA
    assert not crypto.file_needs_reencryption(crypto.encrypt_bytes(DATA, context="x"))
    assert crypto.file_needs_reencryption(DATA)  # stored in the clear
    keys(f"k2:{KEY_B}")
    with pytest.raises(FieldCryptoError, match="no key with id 'k1'"):
        crypto.decrypt_bytes(blob, context="cases/1/0/a.pdf")


def test_sealed_storage_seals_on_put_and_opens_on_read(keys, tmp_path):
    keys(f"k1:{KEY_A}")
    backend = LocalStorage(tmp_path)
    store = SealedStorage(backend)
    store.put("cases/1/0/a.pdf", DATA, content_type="application/pdf")
    raw = (tmp_path / "cases/1/0/a.pdf").read_bytes()
    assert crypto.is_sealed_bytes(raw) and DATA not in raw
    assert store.get("cases/1/0/a.pdf") == DATA and b"".join(store.stream("cases/1/0/a.pdf", 7)) == DATA
    assert [key for key, _ in store.list("cases/")] == ["cases/1/0/a.pdf"] and store.exists("cases/1/0/a.pdf")
    # an object moved under another key does not open: a storage error, never the bytes
    backend.put("cases/9/0/b.pdf", raw, content_type="application/pdf")
    with pytest.raises(StorageError, match="cannot open"):
        store.get("cases/9/0/b.pdf")
    # stored before sealing: read as it is (until `flask crypto reencrypt` seals it)
    backend.put("cases/1/0/old.pdf", DATA, content_type="application/pdf")
    assert store.get("cases/1/0/old.pdf") == DATA
    store.delete("cases/1/0/a.pdf")
    assert not store.exists("cases/1/0/a.pdf")


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话13800138000", "电话138****8000"),
        ("身份证539921199003071204号", "身份证5399**********1204号"),
        ("卡号6222-0212-3456-7890", "卡号62************90"),
        ("1号楼302室，2026年", "1号楼302室，2026年"),
        ("", ""),
        (None, None),
    ],
)
def test_numbers_in_free_text_are_masked(text, masked):
    assert crypto.mask_text(text) == masked
