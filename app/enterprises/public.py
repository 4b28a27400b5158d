"""What other packages (the cases, licences, payments cores; the citizen API) may use of the
enterprise domain besides the service functions. Imported from here, never from the models.

For ent-scope and later callers: an enterprise's facts by id, its holder key for e-licences and
credit (`uscc_hash`), who receives its messages (the bound representatives), and the names of roles.
"""

from __future__ import annotations

import sqlalchemy as sa

from app import crypto
from app.enterprises.acting import authenticate
from app.enterprises.errors import ActingNotAllowed
from app.enterprises.models import Enterprise, EnterpriseBinding, EnterpriseStatus, GrantScope, GrantStatus, Role
from app.extensions import db

__all__ = [
    "ActingNotAllowed",
    "ACTIVE",
    "LEGAL_REPRESENTATIVE",
    "AGENT",
    "GRANT_SCOPES",
    "GRANT_STATUSES",
    "ROLES",
    "STATUSES",
    "authenticate",
    "enterprise_facts",
    "facts_by_uscc",
    "masked_name",
    "representative_account_ids",
]

ACTIVE = EnterpriseStatus.ACTIVE.value
STATUSES = tuple(s.value for s in EnterpriseStatus)
LEGAL_REPRESENTATIVE = Role.LEGAL_REPRESENTATIVE.value
AGENT = Role.AGENT.value
ROLES = (LEGAL_REPRESENTATIVE, AGENT)
GRANT_SCOPES = tuple(s.value for s in GrantScope)
GRANT_STATUSES = tuple(s.value for s in GrantStatus)


def _facts(enterprise: Enterprise | None) -> dict | None:
    if enterprise is None:
        return None
    return {
        "id": enterprise.id,
        "uscc": enterprise.uscc,
        "uscc_hash": enterprise.uscc_hash,
        "name": enterprise.name,
        "kind": enterprise.kind,
        "status": enterprise.status,
        "active": enterprise.status == EnterpriseStatus.ACTIVE,
        "division_code": enterprise.division_code,
        "address": enterprise.address,
    }


def enterprise_facts(enterprise_id: int) -> dict | None:
    """{id, uscc, uscc_hash, name, kind, status, active, division_code, address} or None.
    `uscc_hash` is the enterprise's holder key (e-licences, credit entries, case applicant)."""
    return _facts(db.session.get(Enterprise, enterprise_id))


def facts_by_uscc(uscc: str) -> dict | None:
    """The same facts for a USCC (any spelling the registry accepts), or None."""
    from app.enterprises.registry import by_uscc

    return _facts(by_uscc(uscc))


def representative_account_ids(enterprise_id: int) -> list[int]:
    """The accounts bound as the enterprise's legal representative (live bindings)."""
    return list(
        db.session.scalars(
            sa.select(EnterpriseBinding.account_id).where(
                EnterpriseBinding.enterprise_id == enterprise_id, EnterpriseBinding.ended_at.is_(None)
            )
        )
    )


def masked_name(enterprise_id: int) -> str | None:
    """The legal representative's name, masked (for staff views)."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        return None
    from app.identity import registry as people

    return crypto.mask_name(crypto.decrypt(enterprise.legal_rep_name_enc, context=people.NAME_CONTEXT))


# --- ent-scope ---


def names_of(enterprise_ids) -> dict[int, str]:
    """The registered names of these enterprises, by id (for lists shown to staff and payers)."""
    ids = sorted({int(i) for i in enterprise_ids if i is not None})
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())
