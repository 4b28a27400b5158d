"""The catalog's public functions for 一件事 bundles. The citizen API and app/bundles call these
(never the models); results are plain dicts.

A member view (what applicable_members returns and combined_form / merged_materials take):

    {"service_code", "position", "name", "department": {"code", "name", "level"}, "when",
     "when_text", "field_map", "depends_on", "form_schema", "materials" (the item guide's),
     "fees" (the item guide's), "promised_days", "statutory_days", "result", "fully_online",
     "visits", "delivery_options"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.catalog import bundle_forms, bundle_rules
from app.catalog import models as m
from app.catalog.bundle_models import Bundle
from app.catalog.errors import AnswersInvalid, BundleNotFound, FormInvalid
from app.catalog.fees import fee_text
from app.catalog.form_check import form_errors
from app.extensions import db

# re-exported: the pure functions other layers use through this module
combined_form = bundle_forms.combined_form
split_form = bundle_forms.split_form
merged_materials = bundle_forms.merged_materials
validate_bundle = bundle_rules.validate_bundle


def bundle_document(b: Bundle) -> dict:
    """A bundle as the catalog file writes it (export, and the input of the pure functions)."""
    return {
        "code": b.code,
        "name": b.name,
        "audience": b.audience,
        "description": b.description,
        "legal_basis": list(b.legal_basis or []),
        "promised_time_limit": b.promised_time_limit,
        "keywords": list(b.keywords or []),
        "sort": b.sort,
        "active": b.active,
        "questions": list(b.questions or []),
        "shared_form": dict(b.shared_form or {}),
        "members": [
            {
                "service_code": mem.service_code,
                "when": mem.condition,
                "field_map": dict(mem.field_map or {}),
                "depends_on": list(mem.depends_on or []),
            }
            for mem in b.members
        ],
    }


def _load(code: str) -> Bundle:
    b = db.session.scalar(
        sa.select(Bundle).where(Bundle.code == code, Bundle.active.is_(True)).options(selectinload(Bundle.members))
    )
    if b is None:
        raise BundleNotFound()
    return b


def get_bundle_definition(code: str) -> dict:
    """The bundle document of an active bundle (raises BundleNotFound)."""
    return bundle_document(_load(code))


def _guides(codes: list[str]) -> dict[str, dict]:
    rows = db.session.execute(
        sa.select(m.ServiceItem.implementation_code, m.ServiceItem.guide).where(
            m.ServiceItem.implementation_code.in_(codes), m.ServiceItem.active.is_(True)
        )
    ).all()
    return {code: guide for code, guide in rows if guide is not None}


def member_views(bundle: Mapping, members: list[Mapping] | None = None) -> list[dict]:
    """Members of a bundle document joined with their items' guides (members of inactive items left out)."""
    members = bundle["members"] if members is None else members
    guides = _guides([mem["service_code"] for mem in members])
    views = []
    for position, mem in enumerate(bundle["members"]):
        if mem not in members or mem["service_code"] not in guides:
            continue
        g = guides[mem["service_code"]]
        views.append(
            {
                "service_code": mem["service_code"],
                "position": position,
                "name": g["name"],
                "department": {k: g["department"][k] for k in ("code", "name", "level")},
                "when": mem.get("when"),
                "when_text": bundle_rules.describe(mem.get("when"), bundle["questions"]),
                "field_map": dict(mem.get("field_map") or {}),
                "depends_on": list(mem.get("depends_on") or []),
                "form_schema": g["form_schema"],
                "materials": g["materials"],
                "fees": g["fees"],
                "promised_days": g["time_limit"]["promised_days"],
                "statutory_days": g["time_limit"]["statutory_days"],
                "result": g["result"],
                "fully_online": g["channels"]["fully_online"],
                "visits": g["visits"],
                "delivery_options": g["delivery_options"],
            }
        )
    return views


def _document(bundle: Mapping | str) -> dict:
    return get_bundle_definition(bundle) if isinstance(bundle, str) else dict(bundle)


def check_answers(bundle: Mapping | str, answers: object) -> None:
    doc = _document(bundle)
    errors = bundle_rules.answers_errors(doc["questions"], answers)
    if errors:
        raise AnswersInvalid(errors=errors)


def applicable_members(bundle: Mapping | str, answers: object) -> list[dict]:
    """The member views that apply on the citizen's answers (bundle: its code or document).
    Raises AnswersInvalid (field errors `answers.<code>`) unless every question is answered."""
    doc = _document(bundle)
    check_answers(doc, answers)
    return member_views(doc, bundle_rules.applicable(doc, answers))


def validate_combined(bundle: Mapping, members: list[Mapping], data: object) -> dict[str, dict]:
    """Check the filled combined form, then each member's share against the member's own form;
    returns {service_code: member form data}. Raises FormInvalid with the combined form's paths
    (`<shared field>`, `members.<service_code>.<field>`)."""
    if not isinstance(data, dict):
        raise FormInvalid(errors={"_form": ["申请表格式不正确"]})
    errors = form_errors(combined_form(bundle, members), data)
    if errors:
        raise FormInvalid(errors=errors)
    shares = split_form(bundle, members, data)
    for mem in members:
        back = {field: target for field, target in mem["field_map"].items()}
        for path, messages in form_errors(mem["form_schema"], shares[mem["service_code"]]).items():
            head = path.split(".", 1)[0]
            where = back[head] if head in back else f"members.{mem['service_code']}.{path}"
            errors.setdefault(where, []).extend(f"{mem['name']}：{msg}" for msg in messages)
    if errors:
        raise FormInvalid(errors=errors)
    return shares


# ---------------------------------------------------------------- what the citizen sees


def _fees(views: list[dict]) -> dict:
    least = sum(v["fees"]["from_fen"] for v in views)
    varies = any(v["fees"]["varies"] for v in views)
    return {"from_fen": least, "varies": varies, "text": fee_text(least, varies)}


def _member_summary(v: dict) -> dict:
    return {
        "service_code": v["service_code"],
        "name": v["name"],
        "department": v["department"],
        "always": v["when"] is None,
        "when": v["when"],
        "when_text": v["when_text"],
        "depends_on": v["depends_on"],
        "promised_days": v["promised_days"],
        "statutory_days": v["statutory_days"],
        "fees": {k: v["fees"][k] for k in ("from_fen", "varies", "text")},
        "result": v["result"],
        "fully_online": v["fully_online"],
        "visits": v["visits"],
    }


def _answer_effects(doc: dict) -> list[dict]:
    """Each question with what each of its answers changes: the members it makes certain and
    those it rules out (over every combination of the other answers)."""
    situations = [
        (answers, {mem["service_code"] for mem in bundle_rules.applicable(doc, answers)})
        for answers in bundle_rules.situations(doc["questions"])
    ]
    every = set.intersection(*(s for _, s in situations)) if situations else set()
    ever = set.union(*(s for _, s in situations)) if situations else set()
    order = [mem["service_code"] for mem in doc["members"]]
    out = []
    for q in doc["questions"]:
        answers = []
        for value in bundle_rules.question_values(q):
            sets = [s for a, s in situations if bundle_rules._same(a[q["code"]], value)]
            certain = set.intersection(*sets) - every if sets else set()
            possible = set.union(*sets) if sets else set()
            answers.append(
                {
                    "value": value,
                    "text": bundle_rules.answer_text(q, value),
                    "adds": [c for c in order if c in certain],
                    "removes": [c for c in order if c in ever - possible],
                }
            )
        out.append(
            {
                "code": q["code"],
                "text": q["text"],
                "kind": q["kind"],
                "hint": q.get("hint", ""),
                "answers": answers,
            }
        )
    return out


def _summary(b: Bundle, views: list[dict]) -> dict:
    always = [v for v in views if v["when"] is None]
    return {
        "code": b.code,
        "name": b.name,
        "audience": b.audience,
        "description": b.description,
        "promised_days": b.promised_time_limit,
        "member_count": len(views),
        "departments": sorted({v["department"]["name"] for v in views}),
        "question_count": len(b.questions or []),
        "fees": _fees(always) | {"up_to_fen": sum(v["fees"]["from_fen"] for v in views)},
        "keywords": list(b.keywords or []),
    }


@dataclass
class BundlePage:
    items: list[dict]
    total: int
    page: int
    page_size: int


def list_bundles(*, audience: str | None = None, page: int = 1, page_size: int = 20) -> BundlePage:
    """Active bundles (by sort, then code), each summarised."""
    query = sa.select(Bundle).where(Bundle.active.is_(True))
    if audience is not None:
        query = query.where(Bundle.audience == audience)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    bundles = db.session.scalars(
        query.order_by(Bundle.sort, Bundle.code)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .options(selectinload(Bundle.members))
    ).all()
    return BundlePage(
        items=[_summary(b, member_views(bundle_document(b))) for b in bundles],
        total=total,
        page=page,
        page_size=page_size,
    )


def get_bundle(code: str) -> dict:
    """The guide of an active bundle: members, questions and what each answer changes, the
    materials of every member merged, fees, promised time and legal basis."""
    b = _load(code)
    doc = bundle_document(b)
    views = member_views(doc)
    checklist = merged_materials(views)
    return _summary(b, views) | {
        "legal_basis": doc["legal_basis"],
        "time_limit": {
            "promised_days": b.promised_time_limit,
            "members_longest_promised_days": max((v["promised_days"] for v in views), default=0),
            "members_total_promised_days": sum(v["promised_days"] for v in views),
        },
        "questions": _answer_effects(doc),
        "members": [_member_summary(v) for v in views],
        "shared_form": doc["shared_form"],
        "materials": checklist,
    }


def evaluate_bundle(code: str, answers: object) -> dict:
    """What the citizen's situation means: the members that apply (and those that do not, with
    why), the one form's JSON Schema, the merged checklist, fees and time."""
    doc = get_bundle_definition(code)
    views = applicable_members(doc, answers)
    applying = {v["service_code"] for v in views}
    skipped = [v for v in member_views(doc) if v["service_code"] not in applying]
    checklist = merged_materials(views)
    return {
        "code": doc["code"],
        "name": doc["name"],
        "answers": dict(answers),
        "members": [_member_summary(v) for v in views],
        "not_applying": [
            {"service_code": v["service_code"], "name": v["name"], "when_text": v["when_text"]} for v in skipped
        ],
        "form": combined_form(doc, views),
        "materials": checklist,
        "materials_saved": bundle_forms.materials_saved(views, checklist),
        "fees": _fees(views),
        "time_limit": {
            "promised_days": doc["promised_time_limit"],
            "members_longest_promised_days": max((v["promised_days"] for v in views), default=0),
        },
        "legal_basis": doc["legal_basis"],
    }
