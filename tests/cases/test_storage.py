"""The local storage backend behind app.storage."""

from __future__ import annotations

import pytest

from app.storage import LocalStorage, StorageError


def test_put_get_delete(tmp_path):
    store = LocalStorage(tmp_path)
    store.put("cases/1/0/abc.pdf", b"data", content_type="application/pdf")
    assert store.exists("cases/1/0/abc.pdf") and store.get("cases/1/0/abc.pdf") == b"data"
    assert not [p for p in (tmp_path / "cases/1/0").iterdir() if p.name.startswith(".upload-")]
    store.delete("cases/1/0/abc.pdf")
    assert not store.exists("cases/1/0/abc.pdf")
    with pytest.raises(StorageError):
        store.get("cases/1/0/abc.pdf")


@pytest.mark.parametrize("key", ["../etc/passwd", "cases/../../x", "/abs", "", "a b"])
def test_keys_cannot_leave_the_folder(tmp_path, key):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).put(key, b"x", content_type="text/plain")
