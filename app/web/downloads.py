"""Serving uploaded files back (citizen and staff APIs alike): as an attachment of the type the
content was judged to be when stored, never sniffed, never rendered inline."""

from __future__ import annotations

from flask import Response

from app.cases import files as case_files
from app.web.security_headers import API_CSP

FILE_DOC = {
    "200": {
        "description": "the file as uploaded, as an attachment (PDF, JPEG or PNG)",
        "content": {kind: {} for kind in sorted(case_files.SERVABLE | {"application/octet-stream"})},
    }
}


def file_response(stored: case_files.StoredFile) -> Response:
    """An upload served back: its whitelisted type, never rendered inline or sniffed."""
    return Response(
        stored.data,
        mimetype=stored.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{stored.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": API_CSP + "; sandbox",
            "Cache-Control": "no-store",
        },
    )
