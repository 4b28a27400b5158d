"""Binding through the electronic business licence (电子营业执照) scan-to-authorise login.

The licence holder scans the QR code of a ticket we obtained and confirms in the 电子营业执照 app
(which verified the holder). The signed result names the entity (USCC) and the holder (ID number,
role). It binds the caller as legal representative only when all hold: the holder's role is
法定代表人, the holder is the caller's verified identity, and the registry names that person as
the entity's legal representative. Every other outcome is the same BindingRefused (rule 18).
Off by default (ENTERPRISE_EBL_ENABLED); a ticket is usable only by the account that asked for it.
"""

from __future__ import annotations

import logging

from app import crypto
from app.enterprises import errors, registry
from app.enterprises.models import Role
from app.enterprises.providers import ebl_gateway
from app.enterprises.providers.base import ROLE_LEGAL_REPRESENTATIVE, EblTicketInvalid
from app.enterprises.service import bind_enterprise, refuse_acting, summary
from app.errors import ValidationFailed
from app.extensions import redis_ext
from app.identity import registry as people
from app.identity import service as identity

log = logging.getLogger(__name__)

_KEY = "ebl:ticket:{}"


def start(principal) -> dict:
    """A scan ticket for the caller: {"ticket", "qr_content", "expires_in"}."""
    refuse_acting(principal)
    ticket = ebl_gateway().create_ticket()
    redis_ext.client.set(_KEY.format(ticket.ticket), str(principal.account_id), ex=max(ticket.expires_in, 1))
    return {"ticket": ticket.ticket, "qr_content": ticket.qr_content, "expires_in": ticket.expires_in}


def complete(principal, *, ticket: str) -> dict:
    """Fetch the holder's authorisation for the caller's ticket and bind (idempotent)."""
    refuse_acting(principal)
    owner = redis_ext.client.get(_KEY.format(ticket))
    if owner is None or int(owner) != principal.account_id:
        raise EblTicketInvalid("ticket not issued to this account")
    result = ebl_gateway().fetch_result(ticket)  # EblPending until the holder confirms
    redis_ext.client.delete(_KEY.format(ticket))
    enterprise = registry.by_uscc(result.uscc)
    mine = identity.id_hash_of(principal.account_id)
    try:
        holder = people.id_hash(people.normalise_id_number(result.holder_id_number))
    except ValidationFailed:  # a malformed number matches nobody
        holder = None
    matches = (
        result.holder_role == ROLE_LEGAL_REPRESENTATIVE
        and enterprise is not None
        and mine is not None
        and holder is not None
        and crypto.constant_time_equal(holder, mine)
        and crypto.constant_time_equal(enterprise.legal_rep_hash, mine)
    )
    if not matches:
        log.info("electronic business licence binding refused", extra={"account_id": principal.account_id})
        raise errors.BindingRefused()
    bind_enterprise(enterprise, principal.account_id, method="ebl")
    return summary(enterprise, role=Role.LEGAL_REPRESENTATIVE)
