"""Agent grants (经办人授权): the legal representative authorises a person (name + ID number) for
all items, listed items or themes until a date; the person accepts or declines in their own
account (level 3+); the representative lists and revokes. Every step is audited.

The representative manages grants from the personal session or from an acting session of the
same enterprise (never as an agent). An enterprise the caller does not represent answers
EnterpriseNotFound, as one that does not exist does; a grant not made to the caller answers
GrantNotFound, as one that does not exist does.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import crypto
from app.catalog import service as catalog
from app.enterprises import audit, errors
from app.enterprises.models import AgentGrant, Enterprise, GrantScope, GrantStatus, Role, utcnow
from app.enterprises.service import refuse_acting, representative_of, today
from app.extensions import db
from app.identity import registry as people
from app.identity import service as identity

MAX_YEARS = 3
MAX_CODES = 50
LIVE = (GrantStatus.PENDING, GrantStatus.ACTIVE)


def _require_representative(principal, enterprise_id: int) -> Enterprise:
    acting = principal.acting
    if acting is not None and (acting.enterprise_id != enterprise_id or acting.role != Role.LEGAL_REPRESENTATIVE):
        raise errors.EnterpriseNotFound()
    enterprise = representative_of(enterprise_id, principal.account_id)
    if enterprise is None:
        raise errors.EnterpriseNotFound()
    return enterprise


def _status(grant: AgentGrant) -> str:
    if grant.status in LIVE and grant.valid_until < today():
        return "expired"
    return grant.status


def _view(grant: AgentGrant, enterprise: Enterprise) -> dict:
    return {
        "id": grant.id,
        "enterprise_id": enterprise.id,
        "enterprise_name": enterprise.name,
        "enterprise_uscc": enterprise.uscc,
        "agent_name_masked": crypto.mask_name(crypto.decrypt(grant.agent_name_enc, context=people.NAME_CONTEXT)),
        "agent_id_masked": crypto.mask_id_number(crypto.decrypt(grant.agent_id_enc, context=people.ID_CONTEXT)),
        "scope": grant.scope,
        "codes": list(grant.scope_codes or ()),
        "valid_until": grant.valid_until,
        "status": _status(grant),
        "created_at": grant.created_at,
        "accepted_at": grant.accepted_at,
        "revoked_at": grant.revoked_at,
    }


def _clean_scope(scope: str, codes) -> list[str]:
    codes = sorted({str(c).strip() for c in (codes or ()) if str(c).strip()})
    if scope == GrantScope.ALL:
        if codes:
            raise errors.InvalidGrant(errors=errors.field_errors("codes", "授权全部事项时无需填写事项或主题"))
        return []
    if not codes:
        raise errors.InvalidGrant(errors=errors.field_errors("codes", "请至少选择一个授权事项或主题"))
    if len(codes) > MAX_CODES:
        raise errors.InvalidGrant(errors=errors.field_errors("codes", f"授权事项或主题不能超过{MAX_CODES}个"))
    unknown = (
        catalog.unknown_codes(item_codes=codes)
        if scope == GrantScope.ITEMS
        else catalog.unknown_codes(theme_codes=codes)
    )
    if unknown:
        raise errors.InvalidGrant(
            errors=errors.field_errors("codes", "以下事项或主题不存在：" + "、".join(unknown[:5])),
            details={"unknown": unknown},
        )
    return codes


def grant(principal, enterprise_id: int, *, name: str, id_number: str, scope: str, codes, valid_until: date) -> dict:
    """Authorise a person as an agent (pending until they accept; commits). One live grant per
    enterprise and person: a second, concurrent or not, answers GrantExists."""
    enterprise = _require_representative(principal, enterprise_id)
    name = people.normalise_name(name)
    number = people.normalise_id_number(id_number)
    if scope not in {s.value for s in GrantScope}:
        raise errors.InvalidGrant(errors=errors.field_errors("scope", "授权范围应为全部事项、指定事项或指定主题"))
    scope_codes = _clean_scope(scope, codes)
    if valid_until <= today() or valid_until > today() + timedelta(days=366 * MAX_YEARS):
        raise errors.InvalidGrant(
            errors=errors.field_errors("valid_until", f"授权截止日期应在今天之后、{MAX_YEARS}年之内")
        )
    agent_hash = people.id_hash(number)
    if crypto.constant_time_equal(agent_hash, enterprise.legal_rep_hash):
        raise errors.SelfGrant()
    row = AgentGrant(
        enterprise_id=enterprise.id,
        granted_by=principal.account_id,
        agent_hash=agent_hash,
        agent_id_enc=crypto.encrypt(number, context=people.ID_CONTEXT),
        agent_name_enc=crypto.encrypt(name, context=people.NAME_CONTEXT),
        scope=scope,
        scope_codes=scope_codes,
        valid_until=valid_until,
        status=GrantStatus.PENDING,
    )
    live = db.session.scalar(
        sa.select(AgentGrant.id).where(
            AgentGrant.enterprise_id == enterprise.id,
            AgentGrant.agent_hash == agent_hash,
            AgentGrant.status.in_([s.value for s in LIVE]),
        )
    )
    if live is not None:
        db.session.rollback()
        raise errors.GrantExists(details={"grant_id": live})
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # a concurrent grant to the same person won (partial unique index uq_agent_grant_live)
        db.session.rollback()
        raise errors.GrantExists() from None
    audit.record(enterprise_id=enterprise.id, account_id=principal.account_id, action=audit.GRANTED, grant_id=row.id)
    db.session.commit()
    return _view(row, enterprise)


def list_for_enterprise(principal, enterprise_id: int, *, page: int, page_size: int) -> dict:
    enterprise = _require_representative(principal, enterprise_id)
    query = sa.select(AgentGrant).where(AgentGrant.enterprise_id == enterprise.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AgentGrant.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return {"items": [_view(g, enterprise) for g in rows], "total": total, "page": page, "page_size": page_size}


def revoke(principal, enterprise_id: int, grant_id: int) -> None:
    """Revoke a pending or active grant (idempotent; commits). The agent's acting session fails
    its confirmation on the next request."""
    enterprise = _require_representative(principal, enterprise_id)
    row = db.session.scalar(
        sa.select(AgentGrant)
        .where(AgentGrant.id == grant_id, AgentGrant.enterprise_id == enterprise.id)
        .with_for_update()
    )
    if row is None:
        db.session.rollback()
        raise errors.GrantNotFound()
    if row.status in LIVE:
        row.status = GrantStatus.REVOKED
        row.revoked_at = utcnow()
        audit.record(
            enterprise_id=enterprise.id, account_id=principal.account_id, action=audit.REVOKED, grant_id=row.id
        )
    db.session.commit()


# ---------------------------------------------------------------- the agent's side


def _mine(principal) -> str | None:
    refuse_acting(principal)
    return identity.id_hash_of(principal.account_id)


def list_for_agent(principal, *, page: int, page_size: int) -> dict:
    mine = _mine(principal)
    if mine is None:
        return {"items": [], "total": 0, "page": page, "page_size": page_size}
    query = (
        sa.select(AgentGrant, Enterprise)
        .join(Enterprise, Enterprise.id == AgentGrant.enterprise_id)
        .where(AgentGrant.agent_hash == mine)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(AgentGrant.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return {"items": [_view(g, e) for g, e in rows], "total": total, "page": page, "page_size": page_size}


def _locked_for_agent(principal, grant_id: int) -> tuple[AgentGrant, Enterprise]:
    mine = _mine(principal)
    row = db.session.scalar(sa.select(AgentGrant).where(AgentGrant.id == grant_id).with_for_update())
    if row is None or mine is None or not crypto.constant_time_equal(row.agent_hash, mine):
        db.session.rollback()
        raise errors.GrantNotFound()
    return row, db.session.get(Enterprise, row.enterprise_id)


def accept(principal, grant_id: int) -> dict:
    """Accept a pending grant made to my verified identity (idempotent for the same account)."""
    row, enterprise = _locked_for_agent(principal, grant_id)
    if row.status == GrantStatus.ACTIVE and row.agent_account_id == principal.account_id:
        db.session.rollback()
        return _view(row, enterprise)
    if row.status != GrantStatus.PENDING:
        db.session.rollback()
        raise errors.GrantRevoked() if row.status == GrantStatus.REVOKED else errors.GrantNotPending()
    if row.valid_until < today():
        db.session.rollback()
        raise errors.GrantRevoked()
    row.status = GrantStatus.ACTIVE
    row.agent_account_id = principal.account_id
    row.accepted_at = utcnow()
    audit.record(enterprise_id=enterprise.id, account_id=principal.account_id, action=audit.ACCEPTED, grant_id=row.id)
    db.session.commit()
    return _view(row, enterprise)


def decline(principal, grant_id: int) -> dict:
    """Decline a pending grant made to me (idempotent)."""
    row, enterprise = _locked_for_agent(principal, grant_id)
    if row.status == GrantStatus.DECLINED:
        db.session.rollback()
        return _view(row, enterprise)
    if row.status != GrantStatus.PENDING:
        db.session.rollback()
        raise errors.GrantNotPending()
    row.status = GrantStatus.DECLINED
    audit.record(enterprise_id=enterprise.id, account_id=principal.account_id, action=audit.DECLINED, grant_id=row.id)
    db.session.commit()
    return _view(row, enterprise)


# ---------------------------------------------------------------- audit


def audit_page(principal, enterprise_id: int, *, page: int, page_size: int) -> dict:
    enterprise = _require_representative(principal, enterprise_id)
    rows, total = audit.page(enterprise.id, page=page, page_size=page_size)
    names: dict[int, str | None] = {}
    items = []
    for row in rows:
        if row.account_id is not None and row.account_id not in names:
            name = identity.verified_name_of(row.account_id)
            names[row.account_id] = crypto.mask_name(name) if name else None
        items.append(
            {
                "id": row.id,
                "action": row.action,
                "actor_masked": names.get(row.account_id),
                "grant_id": row.grant_id,
                "ref": row.ref,
                "created_at": row.created_at,
            }
        )
    return {"items": items, "total": total, "page": page, "page_size": page_size}
