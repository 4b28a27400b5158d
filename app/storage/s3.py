"""The S3-compatible storage backend (STORAGE_BACKEND=s3): AWS S3 or any store speaking its API
(MinIO, Ceph RGW, the Chinese clouds' S3 gateways) through boto3.

Settings (app/config.py, checked by app/storage/settings.py): S3_ENDPOINT_URL (empty = AWS), S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID,
S3_SECRET_ACCESS_KEY, S3_ADDRESSING_STYLE (path | virtual | auto), S3_PREFIX (prepended to every
key), S3_SSE ("" | AES256 | aws:kms) and S3_SSE_KMS_KEY_ID, S3_CHECKSUM (sha256 | md5 | both),
S3_PAYLOAD_SIGNING, S3_CA_BUNDLE, S3_CONNECT_TIMEOUT / S3_READ_TIMEOUT / S3_MAX_ATTEMPTS.

Integrity, both ways:
- put sends Content-Type and the object's checksums — x-amz-checksum-sha256 and/or Content-MD5,
  computed here from the bytes we validated — so the store refuses a body changed in transit
  (BadDigest); the answer is checked too: the checksum the store echoes must be ours and, where
  S3 defines it so (no SSE-KMS), the ETag must be the MD5 of what we sent.
- get asks for checksum mode, and botocore checks the stored SHA-256 against the bytes as they
  stream (a mismatch fails the read at its end); the length is checked as well.

Failures: botocore retries throttling and 5xx answers itself (standard mode, S3_MAX_ATTEMPTS);
whatever still fails — unreachable endpoint, timeouts, refused credentials or signature, missing
bucket, checksum mismatch — becomes StorageUnavailable (503 STORAGE_UNAVAILABLE, logged with the
S3 error code, never the secret). A missing object is StorageError("no such file").
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask

from app.storage.base import CHUNK_SIZE, StorageError, StorageUnavailable, check_key
from app.storage.settings import S3Settings

log = logging.getLogger(__name__)

NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class S3Storage:
    """Objects in one bucket (under S3_PREFIX); the boto3 client is thread-safe and reused."""

    def __init__(self, settings: S3Settings, client=None):
        self.settings = settings
        self.client = client or self._client(settings)

    @staticmethod
    def _client(settings: S3Settings):
        config = BotoConfig(
            region_name=settings.region,
            signature_version="s3v4",
            s3={"addressing_style": settings.addressing_style, "payload_signing_enabled": settings.payload_signing},
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},  # first try included
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            # With our own checksums on every put, botocore adds none of its own; reads validate
            # whatever checksum the store returns.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_supported",
        )
        session = boto3.session.Session(
            aws_access_key_id=settings.access_key_id or None,
            aws_secret_access_key=settings.secret_access_key or None,
            region_name=settings.region,
        )
        return session.client(
            "s3",
            endpoint_url=settings.endpoint_url or None,
            config=config,
            verify=settings.ca_bundle or None,
        )

    # ------------------------------------------------------------ helpers
    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.settings.prefix}/{key}" if self.settings.prefix else key

    @contextmanager
    def _errors(self, operation: str, key: str):
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in NOT_FOUND_CODES:
                raise StorageError("no such file") from None
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            log.warning("storage %s %s failed: S3 %s (HTTP %s)", operation, key, code, status)
            raise StorageUnavailable(f"{operation} {key}: S3 {code}") from exc
        except BotoCoreError as exc:
            log.warning("storage %s %s failed: %s", operation, key, type(exc).__name__)
            raise StorageUnavailable(f"{operation} {key}: {type(exc).__name__}") from exc

    # ------------------------------------------------------------ the Storage protocol
    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        s = self.settings
        object_key = self._key(key)
        sha256 = _b64(hashlib.sha256(data).digest())
        md5 = hashlib.md5(data).digest()  # noqa: S324 - S3's Content-MD5 / ETag, an integrity check
        args = {"Bucket": s.bucket, "Key": object_key, "Body": data, "ContentType": content_type}
        if s.checksum in ("sha256", "both"):
            args["ChecksumSHA256"] = sha256
        if s.checksum in ("md5", "both"):
            args["ContentMD5"] = _b64(md5)
        if s.sse:
            args["ServerSideEncryption"] = s.sse
            if s.sse_kms_key_id:
                args["SSEKMSKeyId"] = s.sse_kms_key_id
        with self._errors("put", object_key):
            response = self.client.put_object(**args)
        echoed = response.get("ChecksumSHA256")
        etag = (response.get("ETag") or "").strip('"')
        problem = None
        if echoed is not None and "ChecksumSHA256" in args and echoed != sha256:
            problem = "the store echoed another SHA-256"
        elif s.sse != "aws:kms" and response.get("ServerSideEncryption") != "aws:kms" and etag and "-" not in etag:
            if etag != md5.hex():
                problem = "the ETag is not the MD5 of the data sent"
        if problem:
            log.warning("storage put %s: %s; removing it", object_key, problem)
            self._delete_quietly(object_key)
            raise StorageUnavailable(f"put {object_key}: {problem}")

    def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes in chunks; checksum and length are verified while reading, so a
        corrupted object fails (StorageUnavailable) when its last chunk is read."""
        object_key = self._key(key)
        with self._errors("get", object_key):
            response = self.client.get_object(Bucket=self.settings.bucket, Key=object_key, ChecksumMode="ENABLED")
        body = response["Body"]
        expected = response.get("ContentLength")

        def chunks() -> Iterator[bytes]:
            received = 0
            try:
                with self._errors("get", object_key):
                    for chunk in body.iter_chunks(chunk_size):
                        received += len(chunk)
                        yield chunk
                if expected is not None and received != expected:
                    raise StorageUnavailable(f"get {object_key}: {received} of {expected} bytes")
            finally:
                body.close()

        return chunks()

    def get(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def delete(self, key: str) -> None:
        object_key = self._key(key)
        with self._errors("delete", object_key):
            self.client.delete_object(Bucket=self.settings.bucket, Key=object_key)

    def exists(self, key: str) -> bool:
        object_key = self._key(key)
        try:
            with self._errors("head", object_key):
                self.client.head_object(Bucket=self.settings.bucket, Key=object_key)
        except StorageUnavailable:
            raise
        except StorageError:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[tuple[str, float]]:
        """(key, modified time) of every object under S3_PREFIX + `prefix` (ListObjectsV2 pages)."""
        base = f"{self.settings.prefix}/" if self.settings.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        with self._errors("list", base + prefix):
            for page in paginator.paginate(Bucket=self.settings.bucket, Prefix=base + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(base) :], item["LastModified"].timestamp()

    def _delete_quietly(self, object_key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.settings.bucket, Key=object_key)
        except (ClientError, BotoCoreError) as exc:
            log.warning("storage: could not remove %s: %s", object_key, type(exc).__name__)


_lock = threading.Lock()


def storage_for(app: Flask) -> S3Storage:
    """The app's S3 storage, built once per distinct settings (tests switch them at run time)."""
    settings = S3Settings.from_config(app.config)
    cache = app.extensions.setdefault("zsb_s3_storage", {})
    storage = cache.get(settings)
    if storage is None:
        problems = settings.problems()
        if problems:
            log.error("STORAGE_BACKEND=s3 is misconfigured: %s", "; ".join(problems))
            raise StorageUnavailable("; ".join(problems))
        with _lock:
            storage = cache.get(settings) or cache.setdefault(settings, S3Storage(settings))
    return storage
