"""Field-level protection of personal data: encryption at rest, keyed lookup hashes, masking.

Generic on purpose — ID numbers and phones today, addresses and others later.

* `encrypt` / `decrypt`: AES-256-GCM (or AES-128/192 with a shorter key). Keys come from
  FIELD_ENCRYPTION_KEYS, "kid:base64,kid2:base64": the first key encrypts, every listed key
  decrypts, so keys rotate by putting a new key first and re-encrypting at leisure
  (`needs_reencryption`). A ciphertext is the text `v1.<kid>.<base64url(nonce || ct+tag)>`.
  `context` is bound in as associated data, so a ciphertext copied into another column
  (or another kind of field) does not decrypt there.
* `lookup_hash`: HMAC-SHA256 with FIELD_HASH_KEY over a purpose label and the normalised
  value — an equality index that, unlike a bare SHA-256, cannot be reversed by hashing every
  possible ID number or phone without the key.
* `mask_*`: what responses show instead of the value.
* `encrypt_bytes` / `decrypt_bytes`: the same keys over whole uploaded files (app.storage seals
  every object before it reaches the backend).
* `EncryptedText` / `EncryptedJSON`: column types that store a ciphertext and read the plaintext
  (form data, complaint and rating texts).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import threading

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy.types import TypeDecorator

_FORMAT = "v1"
_NONCE_BYTES = 12


class FieldCryptoError(Exception):
    """A ciphertext cannot be decrypted (unknown key id, tampered, wrong context) or the
    configured keys are unusable. Never carries the plaintext."""


def _b64decode_any(text: str) -> bytes:
    # Accept both the standard and the urlsafe alphabet; validate strictly so a typo in a key
    # is an error rather than silently dropped characters.
    text = text.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """Parse "kid:base64,kid2:base64" into [(kid, key)], primary first."""
    keys: list[tuple[str, bytes]] = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or "." in kid:
            raise FieldCryptoError("FIELD_ENCRYPTION_KEYS entries look like kid:base64key (no '.' in kid)")
        try:
            key = _b64decode_any(encoded)
        except (binascii.Error, ValueError):
            raise FieldCryptoError(f"FIELD_ENCRYPTION_KEYS: key {kid!r} is not valid base64") from None
        if len(key) not in (16, 24, 32):
            raise FieldCryptoError(f"FIELD_ENCRYPTION_KEYS: key {kid!r} must be 16, 24 or 32 bytes")
        if any(kid == existing for existing, _ in keys):
            raise FieldCryptoError(f"FIELD_ENCRYPTION_KEYS: key id {kid!r} appears twice")
        keys.append((kid, key))
    if not keys:
        raise FieldCryptoError("FIELD_ENCRYPTION_KEYS holds no key")
    return keys


class _KeyRing:
    """Keys parsed once per distinct configuration string (apps in one process may differ)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, dict[str, AESGCM]]] = {}

    def get(self, spec: str) -> tuple[str, dict[str, AESGCM]]:
        ring = self._cache.get(spec)
        if ring is None:
            parsed = parse_keys(spec)
            ring = (parsed[0][0], {kid: AESGCM(key) for kid, key in parsed})
            with self._lock:
                self._cache[spec] = ring
        return ring


_rings = _KeyRing()


def _ring() -> tuple[str, dict[str, AESGCM]]:
    return _rings.get(current_app.config["FIELD_ENCRYPTION_KEYS"])


def _aad(context: str) -> bytes:
    return f"zsb-field:{context}".encode()


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt `plaintext` with the primary key; `context` names the field ("resident.id_number")."""
    primary, ciphers = _ring()
    nonce = os.urandom(_NONCE_BYTES)
    # surrogatepass: text stored before the input gate refused lone surrogates stays writable
    sealed = ciphers[primary].encrypt(nonce, plaintext.encode("utf-8", "surrogatepass"), _aad(context))
    return f"{_FORMAT}.{primary}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(token: str, *, context: str) -> str:
    """Decrypt a value written by `encrypt` with any configured key and the same `context`."""
    try:
        version, kid, body = token.split(".", 2)
    except (AttributeError, ValueError):
        raise FieldCryptoError("not a field ciphertext") from None
    if version != _FORMAT:
        raise FieldCryptoError(f"unknown ciphertext format {version!r}")
    _, ciphers = _ring()
    cipher = ciphers.get(kid)
    if cipher is None:
        raise FieldCryptoError(f"no key with id {kid!r} is configured")
    try:
        raw = _b64decode_any(body)
    except (binascii.Error, ValueError):
        raise FieldCryptoError("ciphertext is not valid base64") from None
    if len(raw) <= _NONCE_BYTES:
        raise FieldCryptoError("ciphertext too short")
    try:
        return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(context)).decode("utf-8", "surrogatepass")
    except InvalidTag:
        raise FieldCryptoError("ciphertext failed authentication (tampered, wrong key or context)") from None


def key_id(token: str) -> str:
    """The id of the key a ciphertext was written with."""
    parts = token.split(".", 2)
    if len(parts) != 3:
        raise FieldCryptoError("not a field ciphertext")
    return parts[1]


def needs_reencryption(token: str) -> bool:
    """True when `token` was written with a key other than the current primary key."""
    primary, _ = _ring()
    return key_id(token) != primary


def reencrypt(token: str, *, context: str) -> str:
    """The same plaintext under the primary key (a no-op when it already is)."""
    if not needs_reencryption(token):
        return token
    return encrypt(decrypt(token, context=context), context=context)


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 (hex) of an already normalised value, for equality lookups.

    `purpose` separates index spaces ("id_number", "phone", "sms_code"...): equal values under
    different purposes hash differently.
    """
    key = current_app.config["FIELD_HASH_KEY"].encode("utf-8")
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# ---------------------------------------------------------------- masking


def mask_middle(value: str, *, keep_start: int, keep_end: int, char: str = "*") -> str:
    """Keep the first `keep_start` and last `keep_end` characters, star the rest."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        # Too short to show anything safely: star all but at most one trailing character.
        return char * (len(value) - 1) + value[-1:] if len(value) > 1 else char
    return value[:keep_start] + char * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    """4403**********123X: region prefix and last four, as government portals show it."""
    return mask_middle(value, keep_start=4, keep_end=4)


def mask_phone(value: str) -> str:
    """138****5678."""
    return mask_middle(value, keep_start=3, keep_end=4)


def mask_name(value: str) -> str:
    """**明: only the last character of a name."""
    if not value:
        return ""
    return "*" * (len(value) - 1) + value[-1] if len(value) > 1 else "*"


# ---------------------------------------------------------------- whole files

# A sealed file is FILE_MAGIC, one byte with the key id's length, the key id, the nonce, then the
# AES-GCM ciphertext and tag. The magic cannot begin a PDF, JPEG or PNG, so a file stored before
# files were encrypted is told apart from a sealed one.
FILE_MAGIC = b"ZSBF1\x00"


def _file_aad(context: str) -> bytes:
    return f"zsb-file:{context}".encode()


def is_sealed_bytes(blob: bytes) -> bool:
    return blob.startswith(FILE_MAGIC)


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    """Seal a whole file with the primary key; `context` (its storage key) is bound in, so an
    object copied under another key does not open."""
    primary, ciphers = _ring()
    kid = primary.encode("utf-8")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = ciphers[primary].encrypt(nonce, data, _file_aad(context))
    return FILE_MAGIC + bytes([len(kid)]) + kid + nonce + sealed


def bytes_key_id(blob: bytes) -> str:
    """The id of the key a sealed file was written with."""
    if not is_sealed_bytes(blob) or len(blob) < len(FILE_MAGIC) + 1:
        raise FieldCryptoError("not a sealed file")
    start = len(FILE_MAGIC) + 1
    return blob[start : start + blob[len(FILE_MAGIC)]].decode("utf-8", "replace")


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    """Open a file sealed by `encrypt_bytes` with any configured key and the same `context`."""
    kid = bytes_key_id(blob)
    _, ciphers = _ring()
    cipher = ciphers.get(kid)
    if cipher is None:
        raise FieldCryptoError(f"no key with id {kid!r} is configured")
    body = blob[len(FILE_MAGIC) + 1 + blob[len(FILE_MAGIC)] :]
    if len(body) <= _NONCE_BYTES:
        raise FieldCryptoError("sealed file too short")
    try:
        return cipher.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], _file_aad(context))
    except InvalidTag:
        raise FieldCryptoError("sealed file failed authentication (tampered, wrong key or context)") from None


def file_needs_reencryption(blob: bytes) -> bool:
    """True for a file stored in the clear or sealed under a key other than the primary."""
    primary, _ = _ring()
    return not is_sealed_bytes(blob) or bytes_key_id(blob) != primary


# ---------------------------------------------------------------- column types


class EncryptedText(TypeDecorator):
    """A text column stored as an `encrypt` ciphertext under `context`; reads decrypt.

    The ORM and queries see the plaintext; only equality with NULL can be asked of the database.
    Needs an application context (the keys come from its configuration)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def _dump(self, value):
        return value

    def _load(self, text: str):
        return text

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(self._dump(value), context=self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._load(decrypt(value, context=self.context))


class EncryptedJSON(EncryptedText):
    """A JSON document stored as one ciphertext (see EncryptedText)."""

    cache_ok = True  # SQLAlchemy asks each subclass itself; the state (the context) is safe to cache on

    def _dump(self, value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _load(self, text: str):
        return json.loads(text)


_NUMBER_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9][0-9 \-]{4,}[0-9Xx](?![0-9A-Za-z])")


def mask_text(text: str | None, *, limit: int | None = None) -> str | None:
    """Free text as lists show it: every run of six or more digits (mobiles, ID numbers, bank
    cards, with spaces or dashes inside) masked, and cut to `limit` characters with "…"."""
    if text is None:
        return None

    def _mask(match: re.Match) -> str:
        run = re.sub(r"[ \-]", "", match.group(0))
        if len(run) == 11:
            return mask_phone(run)
        if len(run) in (15, 18):
            return mask_id_number(run)
        return mask_middle(run, keep_start=2, keep_end=2)

    masked = _NUMBER_RUN.sub(_mask, text)
    if limit is not None and len(masked) > limit:
        masked = masked[:limit] + "…"
    return masked
