"""Who applies: the person, or the enterprise a person acts for (Principal.acting).

The audience of an item decides which may apply (individual items refuse an enterprise
context, legal-person items need one, items for both take either); an enterprise must be in
business (存续) to apply; the applicant's keyed hash (a resident's ID hash, or the enterprise's
USCC hash) is what credit records, e-licences and the case's applicant_hash are keyed by.
Enterprise facts come from app/enterprises/public.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.errors import AudienceMismatch, EnterpriseCannotApply, NotAuthorisedForItem
from app.enterprises import public as enterprises
from app.identity import service as identity
from app.identity.tokens import Principal

INDIVIDUAL = "individual"
LEGAL_PERSON = "legal_person"


@dataclass(frozen=True)
class Applicant:
    """The applicant of a case: `enterprise_id` None for a person applying for themself."""

    holder_hash: str | None
    enterprise_id: int | None = None
    enterprise_name: str | None = None


def enterprise_id_of(principal: Principal) -> int | None:
    return principal.acting.enterprise_id if principal.acting is not None else None


def check_audience(principal: Principal, audience: list[str] | tuple[str, ...]) -> None:
    """Refuse an item whose audience does not take the caller's context."""
    audience = set(audience or ())
    if principal.acting is None and INDIVIDUAL not in audience:
        raise AudienceMismatch(
            "该事项面向法人办理，请先切换到企业身份后再申请",
            details={"audience": {"required": LEGAL_PERSON, "context": INDIVIDUAL}},
        )
    if principal.acting is not None and LEGAL_PERSON not in audience:
        raise AudienceMismatch(
            "该事项面向个人办理，请切换回个人身份后再申请",
            details={"audience": {"required": INDIVIDUAL, "context": LEGAL_PERSON}},
        )


def check_scope(principal: Principal, service_code: str) -> None:
    """An agent may only start items their authorisation covers (the same answer as no item)."""
    if principal.acting is not None and not principal.acting.covers(service_code):
        raise NotAuthorisedForItem()


def applicant_of(principal: Principal) -> Applicant:
    """The applicant the caller applies as; an enterprise that is not in business is refused."""
    if principal.acting is None:
        return Applicant(holder_hash=identity.id_hash_of(principal.account_id))
    facts = enterprises.enterprise_facts(principal.acting.enterprise_id)
    if facts is None or not facts["active"]:
        status = facts["status"] if facts else None
        raise EnterpriseCannotApply(
            f"企业登记状态为“{status}”，不能办理业务" if status else "企业不存在",
            details={"enterprise_status": status},
        )
    return Applicant(holder_hash=facts["uscc_hash"], enterprise_id=facts["id"], enterprise_name=facts["name"])
