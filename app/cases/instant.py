"""Instant approval (秒批): an item's declarative rules (app/catalog/instant_rules.py) evaluated
against an application when it reaches `submitted`. When every rule holds, the case is approved
at once by the system, its result issued in the same transaction, and the timeline names the
rules that decided. When one fails, nothing happens: the case waits for an officer as usual.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from app.cases import results, transitions
from app.cases.models import Case
from app.cases.presenters import met
from app.cases.states import CaseStatus
from app.identity import service as identity
from app.licences import service as licences

log = logging.getLogger(__name__)
ACTOR = "system:instant"


@dataclass(frozen=True)
class Verdict:
    rule: dict
    held: bool
    label: str  # Chinese, for the timeline


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _age_at_least(case: Case, rule: dict) -> Verdict:
    years = rule["years"]
    born = identity.birth_date_of(case.account_id)
    held = born is not None and _age_on(born, licences.today()) >= years
    return Verdict(rule, held, f"申请人年满{years}周岁")


def _materials_by_licence(case: Case, rule: dict) -> Verdict:
    required = [m for m in case.materials if m.required]
    held = all(m.method == "licence" and met(m) for m in required)
    return Verdict(rule, held, "全部材料以电子证照提供")


def _no_uploads(case: Case, rule: dict) -> Verdict:
    required = [m for m in case.materials if m.required]
    held = all(m.method in ("licence", "commitment") and met(m) for m in required)
    return Verdict(rule, held, "全部材料以电子证照或告知承诺提供，无需人工审查")


def _no_credit_record(case: Case, rule: dict) -> Verdict:
    return Verdict(rule, case.applicant_hash is not None and case.credit_flag is None, "无失信记录")


def _holds_licence(case: Case, rule: dict) -> Verdict:
    wanted = rule["licence_type"]
    wallet = licences.wallet_for_account(case.account_id)
    match = [lic for lic in wallet if lic["licence_type"]["code"] == wanted and lic["status"] == "valid"]
    name = match[0]["licence_type"]["name"] if match else wanted
    return Verdict(rule, bool(match), f"持有有效的{name}")


def _form_equals(case: Case, rule: dict) -> Verdict:
    held = (case.form_data or {}).get(rule["field"]) == rule["value"]
    return Verdict(rule, held, f"申请表“{rule['field']}”为“{rule['value']}”")


CHECKS = {
    "age_at_least": _age_at_least,
    "materials_by_licence": _materials_by_licence,
    "no_uploads": _no_uploads,
    "no_credit_record": _no_credit_record,
    "holds_licence": _holds_licence,
    "form_equals": _form_equals,
}


def evaluate(case: Case) -> list[Verdict]:
    """Every rule of the case with whether it holds (stops at the first that does not)."""
    verdicts = []
    for rule in case.instant_rules or []:
        verdict = CHECKS[rule["rule"]](case, rule)
        verdicts.append(verdict)
        if not verdict.held:
            break
    return verdicts


def try_instant(case: Case) -> bool:
    """Approve a submitted case at once when its item's rules all hold (in the caller's
    transaction, inside a savepoint: a failure to issue the result leaves the case submitted for
    an officer and the caller's own changes intact). True when it was approved."""
    from app.extensions import db

    if case.status != CaseStatus.SUBMITTED or not case.instant_rules:
        return False
    verdicts = evaluate(case)
    if not verdicts or not all(v.held for v in verdicts):
        return False
    note = "秒批：" + "；".join(v.label for v in verdicts)
    try:
        with db.session.begin_nested():
            transitions.instant_approve(case, actor=ACTOR, note=note[:500], rules=[v.rule["rule"] for v in verdicts])
            issued = results.issue_licence(case)
            results.note_result(ACTOR, case, issued)
    except Exception:  # the officer decides instead; the savepoint undid the half-made approval
        log.exception("instant approval failed", extra={"case_id": case.id})
        db.session.refresh(case)
        return False
    return True
