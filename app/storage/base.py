"""What every storage backend shares: the interface, its errors, key validation.

Kept apart from app/storage/__init__.py so the backends (local there, S3 in s3.py) import it
without importing each other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from app.errors import ServiceUnavailable

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")


class StorageError(Exception):
    """A file cannot be stored or read (bad key, missing object, I/O failure)."""


class StorageUnavailable(StorageError, ServiceUnavailable):
    """The store failed or refused the operation (unreachable, credentials, checksum mismatch):
    503 STORAGE_UNAVAILABLE. `detail` says what happened, for the log, never for the citizen."""

    error = "STORAGE_UNAVAILABLE"
    message = "文件存储服务暂时不可用，请稍后重试"
    headers = {"Retry-After": "5"}

    def __init__(self, detail: str = "", message: str | None = None):
        super().__init__(message)
        self.detail = detail


CHUNK_SIZE = 64 * 1024


class Storage(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[tuple[str, float]]: ...


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise StorageError("invalid storage key")
    return key
