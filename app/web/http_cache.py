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
