"""Accounts and their channel identities: who a channel login is, linking, merging.

A login presents one or more identifiers (a WeChat openid and maybe a unionid; an Alipay
user_id and/or open_id; a phone). The first identifier already known decides the account;
the others are attached to it. Identifiers are unique in the database, so two concurrent
first logins of the same person cannot create two accounts: the loser's insert fails, its
transaction is rolled back and the lookup runs again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from app import crypto
from app.errors import Conflict
from app.extensions import db
from app.identity import errors, registry, tokens
from app.identity.models import (
    KIND_ALIPAY_OPEN_ID,
    KIND_ALIPAY_USER_ID,
    KIND_PHONE,
    KIND_WECHAT_OPENID,
    KIND_WECHAT_UNIONID,
    Account,
    AccountStatus,
    ChannelIdentity,
    VerifiedIdentity,
    utcnow,
)
from app.identity.providers.base import ChannelLogin

log = logging.getLogger(__name__)

_RETRIES = 5


@dataclass(frozen=True)
class Identifier:
    channel: str
    kind: str
    namespace: str
    subject: str
    phone_enc: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.subject)


def identifiers_for_channel(login: ChannelLogin) -> list[Identifier]:
    """The identifiers a provider's login vouches for, the most specific first."""
    out: list[Identifier] = []
    if login.channel in ("wechat", "wechat_app"):
        if not login.openid:
            raise ValueError("a WeChat login without an openid")
        out.append(Identifier(login.channel, KIND_WECHAT_OPENID, login.appid, login.openid))
        if login.unionid:
            out.append(Identifier(login.channel, KIND_WECHAT_UNIONID, "", login.unionid))
    elif login.channel == "alipay":
        if login.user_id:
            out.append(Identifier("alipay", KIND_ALIPAY_USER_ID, "", login.user_id))
        if login.open_id:
            out.append(Identifier("alipay", KIND_ALIPAY_OPEN_ID, login.appid, login.open_id))
        if not out:
            raise ValueError("an Alipay login without user_id or open_id")
    else:
        raise ValueError(f"unknown channel {login.channel!r}")
    return out


def identifier_for_phone(mobile: str) -> Identifier:
    return Identifier(
        "app",
        KIND_PHONE,
        "",
        registry.phone_hash(mobile),
        phone_enc=crypto.encrypt(mobile, context=registry.PHONE_CONTEXT),
    )


def _resolve_once(identifiers: list[Identifier]) -> tuple[Account, bool]:
    now = utcnow()
    clauses = [
        sa.and_(
            ChannelIdentity.kind == i.kind,
            ChannelIdentity.namespace == i.namespace,
            ChannelIdentity.subject == i.subject,
        )
        for i in identifiers
    ]
    rows = {
        (r.kind, r.namespace, r.subject): r
        for r in db.session.scalars(sa.select(ChannelIdentity).where(sa.or_(*clauses)))
    }
    owner_id = next((rows[i.key].account_id for i in identifiers if i.key in rows), None)
    created = owner_id is None
    if created:
        account = Account(created_at=now)
        db.session.add(account)
        db.session.flush()
        owner_id = account.id
    else:
        account = db.session.get(Account, owner_id)
    # Insert in one fixed order (person-wide identifiers such as the unionid first) so two
    # concurrent first logins through different channels lock the same rows in the same order.
    for ident in sorted(identifiers, key=_insert_order):
        row = rows.get(ident.key)
        if row is None:
            db.session.add(
                ChannelIdentity(
                    account_id=owner_id,
                    channel=ident.channel,
                    kind=ident.kind,
                    namespace=ident.namespace,
                    subject=ident.subject,
                    phone_enc=ident.phone_enc,
                    created_at=now,
                    last_login_at=now,
                )
            )
        elif row.account_id == owner_id:
            row.last_login_at = now
        else:
            # e.g. an openid that logged in before its app was bound to the Open Platform, and a
            # unionid already known from another account: never move it silently.
            log.warning(
                "identifier belongs to another account; left in place",
                extra={"account_id": owner_id, "other_account_id": row.account_id, "kind": row.kind},
            )
    db.session.flush()
    return account, created


def _insert_order(ident: Identifier) -> tuple:
    return (ident.namespace != "", ident.kind, ident.namespace, ident.subject)


# PostgreSQL: deadlock detected, serialization failure — both mean "run the transaction again".
_RETRYABLE_SQLSTATES = {"40P01", "40001"}


def resolve(identifiers: list[Identifier]) -> tuple[Account, bool]:
    """The account these identifiers log into — created if none is known — with every
    identifier attached (flushed, not committed). Returns (account, created)."""
    for attempt in range(_RETRIES):
        try:
            account, created = _resolve_once(identifiers)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent login inserted one of our identifiers first (or the database broke a
            # lock cycle between two of them): start over and find it.
            if isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                raise
            db.session.rollback()
            log.info("concurrent first login, retrying", extra={"attempt": attempt + 1})
            continue
        if account.status == AccountStatus.DISABLED:
            db.session.rollback()
            raise errors.AccountDisabled()
        if account.status != AccountStatus.ACTIVE:  # pragma: no cover - merged accounts keep no identifiers
            db.session.rollback()
            raise Conflict()
        account.last_login_at = utcnow()
        return account, created
    raise Conflict()


def session_level(account_id: int) -> int:
    """The level a channel or SMS login reaches: 3 when the account's real name is proven."""
    verified = db.session.scalar(sa.select(VerifiedIdentity.id).where(VerifiedIdentity.account_id == account_id))
    return 3 if verified is not None else 2


def lock_accounts(*account_ids: int) -> dict[int, Account]:
    """Lock account rows in id order (one order everywhere, so two mergers cannot deadlock)."""
    ids = sorted(set(account_ids))
    rows = db.session.scalars(sa.select(Account).where(Account.id.in_(ids)).order_by(Account.id).with_for_update())
    return {a.id: a for a in rows}


def merge_into(source_id: int, target_id: int) -> None:
    """Fold `source` (an account without a real-name binding) into `target`, the account of the
    same person: its channel identities move over, its sessions end. Flushed, not committed."""
    accounts = lock_accounts(source_id, target_id)
    source, target = accounts[source_id], accounts[target_id]
    if target.status != AccountStatus.ACTIVE:
        raise errors.AccountDisabled()
    db.session.execute(
        sa.update(ChannelIdentity)
        .where(ChannelIdentity.account_id == source_id)
        .values(account_id=target_id)
        .execution_options(synchronize_session=False)
    )
    source.status = AccountStatus.MERGED
    source.merged_into_id = target_id
    tokens.revoke_account_sessions(source_id, "merged")
    db.session.flush()
    db.session.expire_all()
    log.info("account merged", extra={"account_id": source_id, "merged_into": target_id})


# ---------------------------------------------------------------- reading


def _display(row: ChannelIdentity) -> dict:
    out = {
        "channel": row.channel,
        "kind": row.kind,
        "appid": row.namespace or None,
        "linked_at": row.created_at,
        "last_login_at": row.last_login_at,
        "mobile": None,
    }
    if row.kind == KIND_PHONE and row.phone_enc:
        out["mobile"] = crypto.mask_phone(crypto.decrypt(row.phone_enc, context=registry.PHONE_CONTEXT))
    return out


def describe(account_id: int) -> dict:
    """The account as the citizen may see it: masked identity and linked channels."""
    account = db.session.get(Account, account_id)
    verified = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.account_id == account_id))
    realname = None
    if verified is not None:
        realname = {
            "name": crypto.mask_name(crypto.decrypt(verified.name_enc, context=registry.NAME_CONTEXT)),
            "id_number": crypto.mask_id_number(crypto.decrypt(verified.id_enc, context=registry.ID_CONTEXT)),
            "verified_at": verified.verified_at,
            "face_verified_at": verified.face_verified_at,
        }
    rows = db.session.scalars(
        sa.select(ChannelIdentity)
        .where(ChannelIdentity.account_id == account_id)
        # in the order they were linked; identifiers of one login by channel and kind
        .order_by(ChannelIdentity.created_at, ChannelIdentity.channel, ChannelIdentity.kind, ChannelIdentity.id)
    )
    return {
        "account_id": account.id,
        "created_at": account.created_at,
        "realname": realname,
        "channels": [_display(r) for r in rows],
    }


def unlink_channel(account_id: int, channel: str) -> None:
    """Remove every identifier of `channel` from the account (commits). The last channel of an
    account cannot go: the account would become unreachable."""
    accounts = lock_accounts(account_id)
    if account_id not in accounts:  # pragma: no cover - authenticated callers exist
        raise errors.ChannelNotFound()
    rows = list(db.session.scalars(sa.select(ChannelIdentity).where(ChannelIdentity.account_id == account_id)))
    doomed = [r for r in rows if r.channel == channel]
    if not doomed:
        raise errors.ChannelNotFound()
    remaining = [r for r in rows if r.channel != channel]
    # A unionid left behind alone would silently re-link the WeChat channel just removed.
    if not any(r.kind == KIND_WECHAT_OPENID for r in remaining):
        doomed += [r for r in remaining if r.kind == KIND_WECHAT_UNIONID]
        remaining = [r for r in remaining if r.kind != KIND_WECHAT_UNIONID]
    if not remaining:
        db.session.rollback()
        raise errors.LastChannel()
    for row in doomed:
        db.session.delete(row)
    db.session.commit()
    log.info("channel unlinked", extra={"account_id": account_id, "channel": channel})


def wechat_openid(account_id: int, appid: str) -> str | None:
    """The account's mini-program openid under `appid` (face verification needs it)."""
    return db.session.scalar(
        sa.select(ChannelIdentity.subject)
        .where(
            ChannelIdentity.account_id == account_id,
            ChannelIdentity.kind == KIND_WECHAT_OPENID,
            ChannelIdentity.namespace == appid,
            ChannelIdentity.channel == "wechat",
        )
        .order_by(ChannelIdentity.id)
        .limit(1)
    )
