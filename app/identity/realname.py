"""Real name (level 3): a name and resident ID number matched against the population registry.

Attempts are counted against the account and the client address that make them
(REALNAME_MAX_FAILURES, REALNAME_MAX_FAILURES_PER_IP) — never against the ID number typed, so
strangers guessing at someone's number cannot lock that person out of their own check. Each
attempt is counted before the registry is asked (parallel requests cannot slip past the limit)
and given back when it matches; past a limit every attempt is refused until the window ends.

A mismatch never says whether the ID number exists, nor whether the identity is already bound to
another account: that answer (and its count) is the mismatch's, so a name and a number confirm
nothing about who uses the service. An identity bound to another account is not handed over on
a name and number alone — anyone who knows both could claim it. The owner proves it is them by
face instead (app.identity.face), which links this channel to that account; the mismatch
message points there.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import crypto, ratelimit
from app.extensions import db
from app.identity import accounts, audit, errors, registry, tokens
from app.identity.models import Resident, VerifiedIdentity, utcnow
from app.identity.tokens import Principal, TokenPair

log = logging.getLogger(__name__)


def _failure_limits(account_id: int, ip: str | None) -> list[ratelimit.Limit]:
    config = current_app.config
    per_account, window = config["REALNAME_MAX_FAILURES"]
    per_ip, ip_window = config.get("REALNAME_MAX_FAILURES_PER_IP", (20, 24 * 3600))
    return [
        ratelimit.Limit(f"realname-fail:acct:{account_id}", per_account, window),
        ratelimit.Limit(f"realname-fail:ip:{ip}", per_ip, ip_window),
    ]


def _mismatch(limits: list[ratelimit.Limit], counts: list[int], *, account_id: int, ip: str | None, kind: str):
    """Record a counted failure (own transaction) and the error to raise: the same for every cause."""
    audit.record_failure(
        kind=kind, outcome="mismatch", account_id=account_id, code=errors.RealnameMismatch.error, ip=ip
    )
    return errors.RealnameMismatch(errors={"remaining_attempts": max(0, limits[0].limit - counts[0])})


def _match_counted(*, account_id: int, name: str, id_number: str, ip: str | None, kind: str):
    """(resident, limits, counts): the attempt is counted first; a mismatch is recorded and raised."""
    limits = _failure_limits(account_id, ip)
    counts = ratelimit.reserve(limits, exc_class=errors.RealnameLocked)
    resident = registry.match_resident(name=name, id_number=id_number)
    if resident is None:
        raise _mismatch(limits, counts, account_id=account_id, ip=ip, kind=kind)
    return resident, limits, counts


def match_or_count(*, account_id: int, name: str, id_number: str, ip: str | None, kind: str) -> Resident:
    """The registry record for this (already normalised) name and number; a mismatch is counted,
    recorded and refused. Refused at once while a failure limit is reached."""
    resident, limits, _ = _match_counted(account_id=account_id, name=name, id_number=id_number, ip=ip, kind=kind)
    ratelimit.release(limits)
    return resident


def bind(account_id: int, resident: Resident, *, id_number: str, name: str) -> VerifiedIdentity:
    """Bind the identity to the account (flushed). IntegrityError when either already has one."""
    identity = VerifiedIdentity(
        account_id=account_id,
        resident_id=resident.id,
        id_hash=registry.id_hash(id_number),
        id_enc=crypto.encrypt(id_number, context=registry.ID_CONTEXT),
        name_enc=crypto.encrypt(name, context=registry.NAME_CONTEXT),
        verified_at=utcnow(),
    )
    db.session.add(identity)
    db.session.flush()
    return identity


def verify_realname(principal: Principal, *, name: str, id_number: str, ip: str | None) -> TokenPair:
    """Prove the account's real name; on success a new level-3 session replaces the caller's."""
    name = registry.normalise_name(name)
    id_number = registry.normalise_id_number(id_number)
    account_id = principal.account_id
    existing = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.account_id == account_id))
    if existing is not None:
        db.session.rollback()
        raise errors.AlreadyVerified()
    resident, limits, counts = _match_counted(
        account_id=account_id, name=name, id_number=id_number, ip=ip, kind="realname"
    )
    digest = registry.id_hash(id_number)
    owner = db.session.scalar(sa.select(VerifiedIdentity.account_id).where(VerifiedIdentity.id_hash == digest))
    if owner is not None:
        # Bound to another account: answered, counted and recorded exactly as a mismatch (the
        # caller's history shows "mismatch" too). Only the log tells operators what it was.
        log.info("real name bound elsewhere", extra={"account_id": account_id})
        raise _mismatch(limits, counts, account_id=account_id, ip=ip, kind="realname")
    ratelimit.release(limits)
    accounts.lock_accounts(account_id)
    try:
        bind(account_id, resident, id_number=id_number, name=name)
    except IntegrityError:
        # A concurrent request bound this account or this identity first.
        audit.record_failure(kind="realname", outcome="conflict", account_id=account_id, code="CONFLICT", ip=ip)
        raise errors.AlreadyVerified() from None
    audit.record(kind="realname", outcome="matched", account_id=account_id, ip=ip)
    tokens.revoke_session(principal.session_id, "elevated")
    pair = tokens.start_session(account_id, method="realname", level=3)
    db.session.commit()
    log.info("real name verified", extra={"account_id": account_id})
    return pair
