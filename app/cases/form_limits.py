"""Bounds on what a citizen may store in a draft: applied to every form save before anything is
written, and to the number of open drafts per citizen.

An incomplete or wrongly filled form is still saved (its errors are listed, submit refuses it);
what is refused at once is what no valid form could hold: fields the schema does not have when it
says `additionalProperties: false`, strings longer than the schema's `maxLength` (or
CASE_FORM_MAX_STRING where it sets none), arrays longer than `maxItems` (or CASE_FORM_MAX_ITEMS),
and a whole form above CASE_FORM_MAX_BYTES once serialized.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import current_app

from app.cases.errors import FormRefused, TooManyDrafts
from app.cases.models import Case
from app.cases.states import CaseStatus
from app.extensions import db
from app.identity.models import Account

MAX_REPORTED = 10  # field errors named in one answer (a form of 200,000 unknown keys gets 10)
_KEY_SHOWN = 64


def check_form_save(schema: dict, changes: dict, merged: dict) -> None:
    """Raise FormRefused (422, with field errors) unless `changes` keep within the bounds of
    `schema` and the resulting form `merged` within the total size."""
    cfg = current_app.config
    bounds = (int(cfg.get("CASE_FORM_MAX_STRING", 500)), int(cfg.get("CASE_FORM_MAX_ITEMS", 50)))
    errors: dict[str, list[str]] = {}
    setting = {key: value for key, value in changes.items() if value is not None}
    _check(setting, schema if isinstance(schema, dict) else {}, "", errors, bounds)
    if errors:
        raise FormRefused(errors={"form": errors})
    max_bytes = int(cfg.get("CASE_FORM_MAX_BYTES", 64 * 1024))
    size = len(json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise FormRefused(
            f"表单内容过多（超过{max_bytes // 1024}KB），请精简后再保存",
            errors={"form": {"_form": [f"表单内容超过{max_bytes}字节"]}},
        )


def _check(value, schema: dict, path: str, errors: dict, bounds: tuple[int, int]) -> None:
    if len(errors) >= MAX_REPORTED:
        return
    max_string, max_items = bounds
    title = schema.get("title") or ""
    label = f"{title}：" if title else ""
    if isinstance(value, str):
        limit = _int(schema.get("maxLength"), max_string)
        if len(value) > limit:
            errors[path] = [f"{label}不能超过{limit}个字"]
    elif isinstance(value, list):
        limit = _int(schema.get("maxItems"), max_items)
        if len(value) > limit:
            errors[path] = [f"{label}不能超过{limit}项"]
            return
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        for i, item in enumerate(value):
            _check(item, items, f"{path}.{i}" if path else str(i), errors, bounds)
    elif isinstance(value, dict):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        closed = schema.get("additionalProperties") is False
        for key, item in value.items():
            if len(errors) >= MAX_REPORTED:
                return
            child = f"{path}.{key}" if path else str(key)
            if closed and key not in props:
                errors[child[: _KEY_SHOWN * 2]] = ["表单中没有这一项"]
                continue
            _check(item, props.get(key) or {}, child, errors, bounds)


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def check_draft_quota(account_id: int) -> None:
    """Raise TooManyDrafts when the citizen already has CASE_MAX_OPEN_DRAFTS drafts. The account
    row is locked so two concurrent starts cannot both take the last place (the caller commits)."""
    limit = int(current_app.config.get("CASE_MAX_OPEN_DRAFTS", 20))
    db.session.execute(sa.select(Account.id).where(Account.id == account_id).with_for_update())
    open_drafts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Case)
        .where(Case.account_id == account_id, Case.status == CaseStatus.DRAFT)
    )
    if open_drafts >= limit:
        raise TooManyDrafts(
            f"您已有{open_drafts}份未提交的草稿，请先提交或删除不需要的草稿",
            errors={"drafts": {"open": open_drafts, "limit": limit}},
        )
