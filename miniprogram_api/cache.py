"""Serialised-response memo for read-mostly citizen endpoints.

Bodies are keyed by the core's catalog revision, so a catalog change makes every old entry
unreachable at once; the LRU bound keeps memory flat whatever clients ask for.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable

from app.web.http_cache import etag_for


class ResponseMemo:
    def __init__(self, size: int = 4096):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key, build: Callable[[], object]) -> tuple[bytes, str]:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        built = build()  # a document, or a body already serialised the same way (bytes)
        body = (
            built if isinstance(built, bytes) else json.dumps(built, ensure_ascii=False, separators=(",", ":")).encode()
        )
        entry = (body, etag_for(body))
        with self._lock:
            self._data[key] = entry
            if len(self._data) > self.size:
                self._data.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


memo = ResponseMemo()
