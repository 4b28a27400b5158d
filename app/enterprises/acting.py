"""Per-request confirmation of an acting session (the person acting for an enterprise).

`authenticate(token)` is what the citizen API calls for every bearer token: a personal session's
principal passes through; an acting session's context is re-checked against the registry, the
binding and the grant on every request, so a revoked or expired grant, an ended binding or a
change of legal representative takes effect on the very next request. A context that no longer
holds ends the acting session (audited) and answers 401 SESSION_REVOKED: the client drops the
acting token and carries on with the personal one.
"""

from __future__ import annotations

import dataclasses
import logging

from app.enterprises import audit
from app.enterprises import service as enterprises
from app.enterprises.models import Role
from app.extensions import db
from app.identity import errors as identity_errors
from app.identity import service as identity

log = logging.getLogger(__name__)

ENDED_MESSAGE = "您代表企业办事的授权已失效，请返回个人身份"


def confirm(principal) -> identity.Acting | None:
    """The confirmed acting context of the principal's session, or None if it no longer holds."""
    claimed = principal.acting
    if claimed.grant_id is None:
        if enterprises.representative_of(claimed.enterprise_id, principal.account_id) is None:
            return None
        return identity.Acting(enterprise_id=claimed.enterprise_id, role=Role.LEGAL_REPRESENTATIVE.value)
    grant = enterprises.live_grant(
        claimed.grant_id, enterprise_id=claimed.enterprise_id, account_id=principal.account_id
    )
    if grant is None:
        return None
    return identity.Acting(
        enterprise_id=claimed.enterprise_id,
        role=Role.AGENT.value,
        grant_id=grant.id,
        item_codes=enterprises.item_codes_of(grant),
    )


def authenticate(token: str) -> identity.Principal:
    """The caller behind an access token, with `acting` confirmed (or None for a personal session)."""
    principal = identity.authenticate(token)
    if principal.acting is None:
        return principal
    acting = confirm(principal)
    if acting is None:
        identity.end_session(principal.session_id, "acting_ended")
        audit.record(
            enterprise_id=principal.acting.enterprise_id,
            account_id=principal.account_id,
            action=audit.ACTING_REFUSED,
            grant_id=principal.acting.grant_id,
        )
        db.session.commit()
        log.info("acting context ended", extra={"account_id": principal.account_id})
        raise identity_errors.SessionRevoked(ENDED_MESSAGE, details={"acting_ended": True})
    return dataclasses.replace(principal, acting=acting)
