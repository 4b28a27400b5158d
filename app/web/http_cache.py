"""ETag / Cache-Control for read-mostly resources, with 304 on a matching If-None-Match."""

from __future__ import annotations

import hashlib

from flask import Response, request


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def if_none_match_hits(etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):  # weak comparison is what If-None-Match uses
            candidate = candidate[2:]
        if candidate.strip('"') == bare:
            return True
    return False


def cached_json(body: bytes, etag: str, max_age: int) -> Response:
    """A JSON response for a pre-serialised body, or 304 when the client already has it."""
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
    }
    if if_none_match_hits(etag):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers, mimetype="application/json")


def conditional_get_doc(func):
    """Mark an operation answered by `cached_json`: the spec gets If-None-Match in, ETag and 304
    out (written by app.web.contract, which appends to the operation's parameters)."""
    doc = dict(getattr(func, "_apidoc", {}))
    doc["conditional_get"] = True
    func._apidoc = doc
    return func
