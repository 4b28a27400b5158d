"""The citizen's own case (or, acting for an enterprise, the enterprise's), shared by the
citizen-side modules (service.py, submission.py, files.py, retention.py) and the domains that
refer to a case (payments, delivery, evaluations, complaints, appointments): the one owner clause,
finding and locking a case (another's is always "not found"), the actor written on its timeline,
the applicant's ID hash and the fee re-picked from the form."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.cases import transitions
from app.cases.errors import CaseNotFound, NotEditable
from app.cases.models import Case, CaseMaterial
from app.cases.states import EDITABLE
from app.catalog import service as catalog
from app.extensions import db
from app.identity import service as identity
from app.identity.tokens import Principal

LEVEL_REALNAME = 3
LEVEL_FACE = 4


def refresh_fee(case: Case) -> None:
    """Re-pick the fee from the form as it is now (the item's current fee rule); an item no
    longer in the catalog keeps the fee it had."""
    set_fee(case, catalog.fee_due(case.service_code, case.form_data or {}))


def set_fee(case: Case, fee: int | None) -> None:
    """The fee the item's rule picked (`refresh_fee`); None (the item is no longer in the
    catalog) keeps the fee the case had."""
    if fee is not None:
        case.fee_fen = fee


def actor(principal: Principal) -> str:
    return f"citizen:{principal.account_id}"


def owner_clause(principal: Principal):
    """The cases the caller may see and act on: a person their own (not those they applied for
    an enterprise); a person acting for an enterprise that enterprise's — all of them for its
    legal representative (or an agent for every item), those of the items in scope for an agent."""
    acting = principal.acting
    if acting is None:
        return sa.and_(Case.account_id == principal.account_id, Case.enterprise_id.is_(None))
    if acting.item_codes is None:
        return Case.enterprise_id == acting.enterprise_id
    return sa.and_(Case.enterprise_id == acting.enterprise_id, Case.service_code.in_(sorted(acting.item_codes)))


def own_case_id(principal: Principal, case_id: int) -> int:
    """`case_id` if the caller may see it, else CaseNotFound (no row is loaded)."""
    if db.session.scalar(sa.select(Case.id).where(Case.id == case_id, owner_clause(principal))) is None:
        raise CaseNotFound()
    return case_id


# the checklist: materials in one statement after the row, each with its files joined to it
_CHECKLIST = (selectinload(Case.materials).joinedload(CaseMaterial.files),)


def locked_own(principal: Principal, case_id: int, *, checklist: bool = False) -> Case:
    """The caller's case, locked for update (another's: CaseNotFound); with `checklist`, its
    materials and their files loaded with it (two statements, not one per material)."""
    return transitions.lock_case(case_id, owner=owner_clause(principal), options=_CHECKLIST if checklist else ())


def resident_hash(account_id: int) -> str | None:
    """The keyed ID hash of the account's verified identity (the registry's id_hash), if any."""
    return identity.id_hash_of(account_id)


def own_case(principal: Principal, case_id: int) -> Case:
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, owner_clause(principal)))
    if case is None:
        raise CaseNotFound()
    return case


def locked_editable(principal: Principal, case_id: int) -> Case:
    case = transitions.lock_case(case_id, owner=owner_clause(principal))
    if case.status not in EDITABLE:
        raise NotEditable(errors={"status": {"current": case.status}})
    return case
