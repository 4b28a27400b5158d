"""Keyword-only helpers for cases tests: citizens at a level, drafts, forms, files."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from tests.identity.helpers import RESIDENTS, bearer, face_pass, realname, wechat_login

APPS = "/api/v1/applications"

# 户籍证明开具 (证明, free → level 3): 1 required material, 居民身份证 (e-licence type L-JMSFZ)
HUJI = "1153992101967557720000111070001"
# 临时救助 (批文, free → level 3): 4 required materials, position of 收入证明 allows a commitment
RELIEF = "1153992102507040050000205080001"
# 居民身份证换领 (证照 with a fee → level 4 with a fresh face check)
ID_RENEWAL = "1153992101967557720000107020001"


def person(name: str) -> tuple[str, str]:
    return (name, RESIDENTS[name])


def citizen(api, *, name: str = "林晓岚", user: str | None = None) -> str:
    """An access token at level 3 (WeChat login + real name of the demo resident `name`)."""
    token = wechat_login(api, user=user or f"u{uuid.uuid4().hex[:8]}")["access_token"]
    return realname(api, token, person=person(name))["access_token"]


def citizen_face(api, sandbox, *, name: str = "林晓岚") -> str:
    """An access token at level 4 with a fresh face check."""
    return face_pass(api, sandbox, citizen(api, name=name), channel="wechat")["access_token"]


def create_draft(api, token: str, *, code: str = HUJI) -> dict:
    resp = api.post(APPS, json={"service_code": code}, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def valid_form(schema: dict) -> dict:
    """Values satisfying the required fields of a seeded form schema."""
    out = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        kind = prop.get("type")
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif kind == "boolean":
            out[name] = False
        elif kind in ("integer", "number"):
            out[name] = prop.get("minimum", 0)
        elif "pattern" in prop:
            out[name] = "13800138000"
        elif prop.get("format") == "date":
            out[name] = "1944-05-16"
        else:
            out[name] = "测" * max(prop.get("minLength", 2), 2)
    return out


def fill_form(api, token: str, draft: dict) -> dict:
    resp = api.patch(f"{APPS}/{draft['id']}", json={"form": valid_form(draft["form_schema"])}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buf, "JPEG")
    return buf.getvalue()


def upload(api, token: str, case_id: int, position: int, *, data: bytes | None = None, name: str = "scan.pdf"):
    return api.post(
        f"{APPS}/{case_id}/materials/{position}/files",
        data={"file": (io.BytesIO(pdf_bytes() if data is None else data), name)},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def meet_by_upload(api, token: str, draft: dict) -> dict:
    body = draft
    for material in draft["materials"]:
        if material["required"] and not material["met"]:
            resp = upload(api, token, draft["id"], material["position"])
            assert resp.status_code == 201, resp.get_json()
            body = resp.get_json()
    return body


def ready_draft(api, token: str, *, code: str = HUJI) -> dict:
    draft = create_draft(api, token, code=code)
    fill_form(api, token, draft)
    return meet_by_upload(api, token, draft)


def submit(api, token: str, case_id: int, *, key: str | None = None):
    headers = bearer(token)
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return api.post(f"{APPS}/{case_id}/submit", headers=headers)
