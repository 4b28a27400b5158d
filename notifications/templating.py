"""Message texts per event type, from an editable JSON file (notifications/templates.json, or the
file named by NOTIFICATIONS_TEMPLATES_FILE), rendered from the event payload.

Placeholders are the payload's own keys plus these derived values:

- `service_name`, `case_number`, `department_code`: from the payload, else from the case
  (app.cases.service.case_facts) when the payload names a `case_id`;
- `amount`: "¥12.50" from `amount_fen`, `refund_fen` or `fee_fen` (payload first, then the case);
- `slot`: "2026-12-07 09:30" from `slot_start` (ISO 8601), else `day` + `starts`;
- `pickup_point` (else `pickup_address`), `courier_label` (courier_name, else the name of the
  `courier` code, else 快递), `kind_label` (咨询 / 投诉, default 投诉);
- `licence_name`, `licence_hint`, `result_next_step`: from `licence.name` (case.result_issued);
- `reference`: the case number, else the complaint number, else the complaint id; `subject`: the
  item name, else the complaint's `subject_name`, else "投诉处理";
- `status`, `next_step`: the event entry's own texts.

A placeholder without a value renders as "-" (and is logged), so a payload missing a key still
produces a message; `REQUIRED_KEYS` lists what each event family is expected to carry.

WeChat subscribe-message values are cut to the platform's per-type limits (`cut_wechat_value`).
"""

from __future__ import annotations

import json
import logging
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).resolve().parent / "templates.json"
MISSING = "-"
# Courier codes of delivery/ → the name in a message.
COURIER_NAMES = {"sf": "顺丰速运", "ems": "中国邮政EMS", "hall": "窗口"}

# What the payload of each event family must carry for its texts (besides account_id).
REQUIRED_KEYS = {
    "case": ("case_id", "case_number"),  # service_name is looked up from the case when absent
    "payment": ("case_id", "case_number", "service_name", "amount_fen"),  # or refund_fen
    "delivery": ("case_id", "case_number", "service_name", "waybill_no"),
    "appointment": ("appointment_id", "service_name", "hall_name", "day", "starts"),  # or slot_start
    "evaluation": ("case_id", "case_number", "service_name", "evaluation_id"),
    "complaint": ("complaint_id", "kind_label", "subject_name", "due_on"),
    # 一件事 (app/bundles/progress.py): the bundle's reference and name ride as case_number / service_name
    "bundle": ("bundle_application_id", "case_number", "service_name"),
}
# Extra keys per event type (on top of the family's); courier is a code (sf, ems) or courier_name.
EXTRA_KEYS = {
    "bundle.correction_requested": ("member_name",),
    "bundle.draft_expiring": ("expires_on",),
    "bundle.member_denied": ("member_name", "withdrawn_hint"),
    "case.await_payment": ("fee_fen",),
    "delivery.pickup_ready": ("pickup_address",),  # or pickup_point
    "delivery.shipped": ("courier",),
}

# Subscribe-message value limits per data key type (the key is the type plus a number: thing2).
WECHAT_LIMITS = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "name": 10,
    "phrase": 5,
    "amount": 11,  # currency sign + at most 10 digits
}
ELLIPSIS_TYPES = frozenset({"thing"})  # free text: cut with "…"; codes are cut hard


def cut_wechat_value(key: str, value: str) -> str:
    """`value` within the limit of the data key's type (thing ≤ 20 characters, phrase ≤ 5 …)."""
    kind = key.rstrip("0123456789")
    limit = WECHAT_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    if kind in ELLIPSIS_TYPES:
        return value[: limit - 1] + "…"
    return value[:limit]


@dataclass(frozen=True)
class Rendered:
    """One event's message, ready for every channel."""

    event_type: str
    title: str
    body: str
    page: str
    template: str  # the template family (key into *_templates)
    context: dict = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def channel_template(self, config: dict, channel: str) -> tuple[str, dict] | None:
        """(template id, data) for `channel` ("wechat" / "alipay" / "sms"), or None when the
        configuration has no template of this family for it."""
        entry = config.get(f"{channel}_templates", {}).get(self.template)
        if not entry:
            return None
        formatter = _Formatter()
        if channel == "sms":
            params = {k: formatter.render(v, self.context) for k, v in entry.get("params", {}).items()}
            return entry["template_code"], params
        data = {}
        for key, pattern in entry.get("data", {}).items():
            value = formatter.render(pattern, self.context)
            if channel == "wechat":
                value = cut_wechat_value(key, value)
            data[key] = {"value": value}
        return entry["template_id"], data


class _Formatter(string.Formatter):
    def __init__(self):
        self.missing: list[str] = []

    def get_value(self, key, args, kwargs):
        value = kwargs.get(key) if isinstance(key, str) else None
        if value is None or value == "":
            self.missing.append(str(key))
            return MISSING
        return value

    def render(self, pattern: str, context: dict) -> str:
        return self.vformat(pattern, (), context)


_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


def load(path: str | Path | None = None) -> dict:
    """The template configuration, re-read when the file changes (so an edit needs no restart)."""
    path = Path(path or current_app.config.get("NOTIFICATIONS_TEMPLATES_FILE") or DEFAULT_FILE)
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
        config = json.loads(path.read_text(encoding="utf-8"))
        _cache[str(path)] = (mtime, config)
        return config


def event_entry(config: dict, event_type: str) -> dict | None:
    """The event's entry, or None when the event has no citizen message (unknown or silent)."""
    entry = config.get("events", {}).get(event_type)
    if not entry or entry.get("silent"):
        return None
    return entry


def template_ids(config: dict, channel: str) -> set[str]:
    return {e["template_id"] for e in config.get(f"{channel}_templates", {}).values()}


def _yuan(fen) -> str | None:
    try:
        return f"¥{int(fen) / 100:.2f}"
    except (TypeError, ValueError):
        return None


def _slot(raw) -> str | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return raw


def _day_time(day, starts) -> str | None:
    if isinstance(day, str) and day:
        return f"{day} {starts}" if isinstance(starts, str) and starts else day
    return None


def context_for(event_type: str, payload: dict, facts: dict | None, entry: dict) -> dict:
    """The placeholder values of one event (see the module docstring)."""
    facts = facts or {}
    ctx = {k: v for k, v in payload.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}
    for key in ("service_name", "case_number", "department_code"):
        if not ctx.get(key) and facts.get(key):
            ctx[key] = facts[key]
    amount = None
    for key in ("amount_fen", "refund_fen", "fee_fen"):
        if payload.get(key) is not None:
            amount = _yuan(payload[key])
            break
    ctx["amount"] = amount or _yuan(facts.get("fee_fen"))
    ctx["slot"] = _slot(payload.get("slot_start")) or _day_time(payload.get("day"), payload.get("starts"))
    ctx["pickup_point"] = ctx.get("pickup_point") or ctx.get("pickup_address")
    ctx["courier_label"] = ctx.get("courier_name") or COURIER_NAMES.get(str(ctx.get("courier")), None) or "快递"
    ctx["kind_label"] = ctx.get("kind_label") or "投诉"
    licence = payload.get("licence") if isinstance(payload.get("licence"), dict) else None
    if licence and licence.get("name"):
        ctx["licence_name"] = licence["name"]
        ctx["licence_hint"] = f"，电子证照「{licence['name']}」已存入您的卡包"
        ctx["result_next_step"] = "请在卡包查看电子证照"
    else:
        ctx["licence_hint"] = ""
        ctx["result_next_step"] = "请在小程序内查看办理结果"
    reference = ctx.get("case_number") or ctx.get("complaint_number") or payload.get("complaint_id")
    ctx["reference"] = str(reference) if reference is not None else None
    ctx["subject"] = (
        ctx.get("service_name")
        or ctx.get("subject_name")
        or ("投诉处理" if event_type.startswith("complaint.") else None)
    )
    formatter = _Formatter()
    ctx["status"] = formatter.render(entry.get("status", ""), ctx)
    ctx["next_step"] = formatter.render(entry.get("next_step", ""), ctx)
    return {k: v for k, v in ctx.items() if v is not None}


def render(event_type: str, payload: dict, facts: dict | None = None, *, config: dict | None = None) -> Rendered | None:
    """The message of an event, or None when the event type has no citizen message."""
    config = config or load()
    entry = event_entry(config, event_type)
    if entry is None:
        return None
    ctx = context_for(event_type, payload, facts, entry)
    formatter = _Formatter()
    title = formatter.render(entry["title"], ctx)
    body = formatter.render(entry["body"], ctx)
    pages = config.get("pages", {})
    page_pattern = pages.get(entry.get("page", ""), pages.get("inbox", ""))
    page_formatter = _Formatter()
    page = page_formatter.render(page_pattern, ctx)
    if page_formatter.missing:
        page = pages.get("inbox", "")
    missing = tuple(sorted(set(formatter.missing)))
    if missing:
        log.warning("notification %s: payload lacks %s", event_type, ", ".join(missing))
    return Rendered(
        event_type=event_type,
        title=title,
        body=body,
        page=page,
        template=entry["template"],
        context=ctx,
        missing=missing,
    )
