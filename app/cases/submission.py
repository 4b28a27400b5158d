"""Submitting a case (idempotent per Idempotency-Key) and withdrawing it, for the citizen: the
checks before a submit (form, materials, level, credit), the case number, the fee, the move."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.cases import access, applicant, corrections, instant, numbering, transitions
from app.cases.errors import CommitmentRefused, CreditBlocked, IdempotencyKeyMissing, IdempotencyKeyReused, NotReady
from app.cases.models import Case, SubmitRequest, utcnow
from app.cases.presenters import detail as _detail
from app.cases.presenters import met as _met
from app.cases.states import CaseStatus
from app.catalog import service as catalog
from app.credit import service as credit
from app.extensions import db
from app.identity import service as identity
from app.identity.tokens import Principal

ENTERPRISE_BLOCKED = "该企业被列入严重违法失信名单，暂不能在线申报，请咨询办理部门"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def _missing(case: Case) -> dict:
    errors: dict = {}
    form_errors = catalog.form_errors(case.form_schema, case.form_data or {})
    if form_errors:
        errors["form"] = form_errors
    unmet = {str(m.position): [f"{m.name}：尚未提供"] for m in case.materials if m.required and not _met(m)}
    unmet.update(corrections.still_to_correct(case))
    if unmet:
        errors["materials"] = unmet
    return errors


def require_key(idempotency_key: str | None) -> str:
    """The client's Idempotency-Key, or IdempotencyKeyMissing when absent or malformed."""
    if not idempotency_key or not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise IdempotencyKeyMissing(errors={"headers": {"Idempotency-Key": ["8–64位字母、数字或 _ . : -"]}})
    return idempotency_key


def submit(principal: Principal, case_id: int, *, idempotency_key: str | None) -> dict:
    """Submit a draft, or resubmit after a correction request. The Idempotency-Key is stored
    with the move, unique per account: a repeat returns the same case, never a second one."""
    require_key(idempotency_key)
    case = access.locked_own(principal, case_id, checklist=True)
    seen = _seen(principal.account_id, idempotency_key)
    if seen is not None:
        return _repeat(seen, case)
    action = "resubmit" if case.status == CaseStatus.CORRECTION_REQUESTED else "submit"
    check(principal, case, action)
    move(principal, case, action)
    db.session.add(SubmitRequest(account_id=principal.account_id, idempotency_key=idempotency_key, case_id=case.id))
    try:
        db.session.flush()
    except IntegrityError:
        # the same key won a race on another case of this account
        db.session.rollback()
        seen = _seen(principal.account_id, idempotency_key)
        if seen is None:
            raise
        return _repeat(seen, access.own_case(principal, case_id))
    # the answer is read from the flushed rows (what the commit writes), before the commit
    # expires them: no re-reading of the case, its checklist and its timeline afterwards
    answer = _detail(case)
    db.session.commit()
    return answer


def check(principal: Principal, case: Case, action: str) -> None:
    """Everything a (re)submit requires of a locked case and its citizen, raising the first
    refusal: the move allowed, the identity level, the form and materials complete, the credit
    record (and commitments allowed by it). Records the credit flag and the applicant's hash,
    and on a first submit the fee the item's rule picks from the form now (`move` charges it)."""
    transitions.guard(case, action)
    fresh = case.required_level >= access.LEVEL_FACE
    identity.require_level(principal, case.required_level, fresh=fresh)
    missing = _missing(case)
    if missing:
        raise NotReady(errors=missing)
    # the item's audience and, for a first submit, the fee re-picked from the form: one read
    terms = catalog.submit_terms(case.service_code, case.form_data or {})
    audience, fee = terms if terms is not None else (None, None)
    if audience is not None:  # a draft started before the audience was enforced stops here
        applicant.check_audience(principal, audience)
    # the applicant: the person, or the enterprise (in business) whose credit record counts
    who = applicant.applicant_of(principal)
    status = credit.check(who.holder_hash) if who.holder_hash else None
    if status is None or status.blocked:
        raise CreditBlocked(ENTERPRISE_BLOCKED if who.enterprise_id else None)
    if not status.commitment_allowed and any(m.method == "commitment" for m in case.materials):
        raise CommitmentRefused()
    case.credit_flag = status.flag
    case.applicant_hash = who.holder_hash
    if action == "submit":
        access.set_fee(case, fee)


def move(principal: Principal, case: Case, action: str) -> None:
    """The (re)submit move of a checked case (`check`), in the caller's transaction: on a first
    submit the case number and the move to payment_pending (the fee `check` picked) or submitted
    (then 秒批)."""
    if action == "submit":
        now = utcnow()
        # the checked case's changes (credit flag, applicant, fee, number, status) go out in the
        # move's one flush: drawing the number needs none of them
        with db.session.no_autoflush:
            case.case_number = numbering.next_number(case.department_code, now)
            case.submitted_at = now
            if case.fee_fen > 0:
                transitions.await_payment(case, actor=access.actor(principal))
            else:
                transitions.submit(case, actor=access.actor(principal))
        if case.status == CaseStatus.SUBMITTED:
            instant.try_instant(case)
    else:
        case.correction_note = None
        transitions.resubmit(case, actor=access.actor(principal))


def _seen(account_id: int, key: str) -> SubmitRequest | None:
    return db.session.scalar(
        sa.select(SubmitRequest).where(SubmitRequest.account_id == account_id, SubmitRequest.idempotency_key == key)
    )


def _repeat(seen: SubmitRequest, case: Case) -> dict:
    if seen.case_id != case.id:
        raise IdempotencyKeyReused()
    db.session.rollback()  # release the row lock: nothing to change
    return _detail(db.session.get(Case, case.id))


def withdraw(principal: Principal, case_id: int) -> dict:
    """Withdraw a submitted case before a decision is made."""
    case = access.locked_own(principal, case_id)
    transitions.withdraw(case, actor=access.actor(principal))
    db.session.commit()
    return _detail(case)
