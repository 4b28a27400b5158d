"""The enterprise core's public functions: binding a verified person as an enterprise's legal
representative, the enterprises a person may act for, switching into acting for one and back.
Agent grants are in app.enterprises.grants; the per-request confirmation in app.enterprises.acting.

Who may act for an enterprise is decided from the registry on every use, not remembered:
- the legal representative: a live binding of the account AND the account's verified identity is
  still the registry's legal representative (a change of representative ends the old one's power
  at once, without anyone touching the binding);
- an agent (经办人): an accepted grant of that enterprise to this account's verified identity,
  neither revoked nor past its date.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import crypto
from app.catalog import service as catalog
from app.enterprises import audit, errors, registry
from app.enterprises.models import AgentGrant, Enterprise, EnterpriseBinding, GrantScope, GrantStatus, Role, utcnow
from app.extensions import db
from app.identity import service as identity

log = logging.getLogger(__name__)

CHINA = ZoneInfo("Asia/Shanghai")
LEVEL_REPRESENTATIVE = 4  # binding, and acting as the legal representative
LEVEL_AGENT = 3  # accepting a grant, and acting as an agent


def today():
    return datetime.now(CHINA).date()


def refuse_acting(principal) -> None:
    """Personal-only operations (identity, binding, accepting grants) refuse an acting session."""
    if principal.acting is not None:
        raise errors.ActingNotAllowed()


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and crypto.constant_time_equal(a, b)


def summary(enterprise: Enterprise, *, role: str, grant: AgentGrant | None = None) -> dict:
    """What a person who may act for the enterprise sees of it in lists."""
    return {
        "id": enterprise.id,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "kind": enterprise.kind,
        "status": enterprise.status,
        "role": role,
        "grant_id": grant.id if grant else None,
        "scope": grant.scope if grant else GrantScope.ALL.value,
        "valid_until": grant.valid_until if grant else None,
    }


# ---------------------------------------------------------------- binding


def _live_binding(enterprise_id: int, account_id: int) -> EnterpriseBinding | None:
    return db.session.scalar(
        sa.select(EnterpriseBinding).where(
            EnterpriseBinding.enterprise_id == enterprise_id,
            EnterpriseBinding.account_id == account_id,
            EnterpriseBinding.ended_at.is_(None),
        )
    )


def bind_enterprise(enterprise: Enterprise, account_id: int, *, method: str) -> bool:
    """Record the binding (idempotent; concurrent binds give one row). True when it is new.
    The caller has proven the person is the registry's legal representative; commits."""
    existing = db.session.scalar(
        sa.select(EnterpriseBinding).where(
            EnterpriseBinding.enterprise_id == enterprise.id, EnterpriseBinding.account_id == account_id
        )
    )
    created = False
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(EnterpriseBinding(enterprise_id=enterprise.id, account_id=account_id, method=method))
            created = True
        except IntegrityError:
            created = False  # a concurrent bind of the same person won: one row
    elif existing.ended_at is not None:
        created = (
            db.session.execute(
                sa.update(EnterpriseBinding)
                .where(EnterpriseBinding.id == existing.id, EnterpriseBinding.ended_at.is_not(None))
                .values(ended_at=None, method=method, created_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    if created:
        audit.record(enterprise_id=enterprise.id, account_id=account_id, action=audit.BOUND, ref=method)
    db.session.commit()
    return created


def bind(principal, *, uscc: str) -> dict:
    """Bind the caller (level 4) as the legal representative of the enterprise `uscc`: their
    verified identity must be the registry's legal representative. An unknown USCC and "not the
    representative" give the same BindingRefused. Idempotent."""
    refuse_acting(principal)
    enterprise = registry.by_uscc(registry.normalise_uscc(uscc))  # a malformed USCC: 422 saying why
    mine = identity.id_hash_of(principal.account_id)
    if enterprise is None or not _same(enterprise.legal_rep_hash, mine):
        log.info("enterprise binding refused", extra={"account_id": principal.account_id})
        raise errors.BindingRefused()
    bind_enterprise(enterprise, principal.account_id, method="registry")
    return summary(enterprise, role=Role.LEGAL_REPRESENTATIVE)


# ---------------------------------------------------------------- who may act


def representative_of(enterprise_id: int, account_id: int) -> Enterprise | None:
    """The enterprise if the account is bound to it and is still its registered representative."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or _live_binding(enterprise_id, account_id) is None:
        return None
    if not _same(enterprise.legal_rep_hash, identity.id_hash_of(account_id)):
        return None
    return enterprise


def live_grant(grant_id: int, *, enterprise_id: int, account_id: int) -> AgentGrant | None:
    """The accepted, unrevoked, unexpired grant `grant_id` of this enterprise to this account."""
    grant = db.session.get(AgentGrant, grant_id)
    if (
        grant is None
        or grant.enterprise_id != enterprise_id
        or grant.status != GrantStatus.ACTIVE
        or grant.agent_account_id != account_id
        or grant.valid_until < today()
    ):
        return None
    if not _same(grant.agent_hash, identity.id_hash_of(account_id)):
        return None
    return grant


def item_codes_of(grant: AgentGrant) -> frozenset[str] | None:
    """The items a grant covers (None: every item); themes are expanded through the catalog now."""
    if grant.scope == GrantScope.ALL:
        return None
    if grant.scope == GrantScope.THEMES:
        return catalog.item_codes_of_themes(grant.scope_codes)
    return frozenset(grant.scope_codes or ())


def my_enterprises(principal) -> list[dict]:
    """The enterprises the caller may act for, with their role (representative first)."""
    account_id = principal.account_id
    mine = identity.id_hash_of(account_id)
    if mine is None:
        return []
    out = []
    bound = db.session.scalars(
        sa.select(Enterprise)
        .join(EnterpriseBinding, EnterpriseBinding.enterprise_id == Enterprise.id)
        .where(EnterpriseBinding.account_id == account_id, EnterpriseBinding.ended_at.is_(None))
        .order_by(Enterprise.id)
    ).all()
    represented = set()
    for enterprise in bound:
        if _same(enterprise.legal_rep_hash, mine):
            represented.add(enterprise.id)
            out.append(summary(enterprise, role=Role.LEGAL_REPRESENTATIVE))
    grants = db.session.execute(
        sa.select(AgentGrant, Enterprise)
        .join(Enterprise, Enterprise.id == AgentGrant.enterprise_id)
        .where(
            AgentGrant.agent_account_id == account_id,
            AgentGrant.agent_hash == mine,
            AgentGrant.status == GrantStatus.ACTIVE,
            AgentGrant.valid_until >= today(),
        )
        .order_by(AgentGrant.id)
    ).all()
    for grant, enterprise in grants:
        if enterprise.id not in represented:
            out.append(summary(enterprise, role=Role.AGENT, grant=grant))
    return out


# ---------------------------------------------------------------- switching


def switch(principal, enterprise_id: int):
    """Start acting for `enterprise_id`: a token pair of a child session of the caller's
    personal session (commits). As the representative (needs level 4) or as an agent with a
    live grant (level 3); otherwise EnterpriseNotFound — the same for an enterprise that does not
    exist. Switching from an acting session is refused: leave first."""
    if principal.acting is not None:
        raise errors.AlreadyActing()
    grant_id = None
    enterprise = representative_of(enterprise_id, principal.account_id)
    if enterprise is not None and principal.level < LEVEL_REPRESENTATIVE:
        identity.require_level(principal, LEVEL_REPRESENTATIVE)
    if enterprise is None:
        grant = db.session.scalar(
            sa.select(AgentGrant)
            .where(
                AgentGrant.enterprise_id == enterprise_id,
                AgentGrant.agent_account_id == principal.account_id,
                AgentGrant.status == GrantStatus.ACTIVE,
            )
            .order_by(AgentGrant.id.desc())
            .limit(1)
        )
        if grant is None or live_grant(grant.id, enterprise_id=enterprise_id, account_id=principal.account_id) is None:
            raise errors.EnterpriseNotFound()
        grant_id = grant.id
    pair = identity.start_acting_session(principal, enterprise_id=enterprise_id, grant_id=grant_id)
    audit.record(enterprise_id=enterprise_id, account_id=principal.account_id, action=audit.ACTED, grant_id=grant_id)
    db.session.commit()
    log.info("acting started", extra={"account_id": principal.account_id, "enterprise_id": enterprise_id})
    return pair


def leave(principal) -> None:
    """Stop acting: the acting session ends (its tokens stop working); the personal one goes on."""
    if principal.acting is None:
        raise errors.NotActing()
    identity.end_session(principal.session_id, "acting_left")
    audit.record(
        enterprise_id=principal.acting.enterprise_id,
        account_id=principal.account_id,
        action=audit.LEFT,
        grant_id=principal.acting.grant_id,
    )
    db.session.commit()
