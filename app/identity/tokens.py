"""Sessions and their tokens.

* Access token: a short-lived JWT (HS256, SECRET_KEY) with sub (account id), sid (session),
  lvl (assurance level), auth_time, face_at (time of the last face check or null), jti, iat,
  exp, iss. Every request re-reads the session: a revoked one stops at once (logout,
  refresh-token reuse), and the level and face time are the session's, never the token's — a
  token minted with the signing key cannot raise its own session's level.
* Refresh token: 32 random bytes (urlsafe), stored as SHA-256. Each use consumes it and issues
  the next one of the same session (family). Presenting a consumed one again means it was
  copied: the whole session is revoked.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.identity import errors
from app.identity.models import Account, AccountStatus, AuthSession, RefreshToken, utcnow

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
# Clock skew tolerated between app servers when checking exp.
LEEWAY_SECONDS = 5


# The role of an acting context read from the session but not (yet) confirmed by app.enterprises.
UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Acting:
    """The enterprise a person acts for in this session, as confirmed on this request
    (app/enterprises): their role, and the items they may act in (None: every item)."""

    enterprise_id: int
    role: str
    grant_id: int | None = None
    item_codes: frozenset[str] | None = None

    def covers(self, service_code: str) -> bool:
        return self.item_codes is None or service_code in self.item_codes


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by a valid access token of a live session. `acting` is set
    when the person acts for an enterprise (the session was switched to it)."""

    account_id: int
    session_id: str
    level: int
    auth_time: datetime
    face_at: datetime | None
    acting: Acting | None = None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    account_id: int
    level: int
    auth_time: datetime
    face_at: datetime | None
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


def _epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def _from_epoch(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def encode_access_token(session: AuthSession, *, now: datetime | None = None, ttl: int | None = None) -> str:
    """The JWT for `session`, valid for `ttl` seconds (ACCESS_TOKEN_TTL by default)."""
    config = current_app.config
    now = now or utcnow()
    ttl = config["ACCESS_TOKEN_TTL"] if ttl is None else ttl
    claims = {
        "iss": config["JWT_ISSUER"],
        "sub": str(session.account_id),
        "sid": session.id,
        "lvl": session.level,
        "auth_time": _epoch(session.auth_time),
        "face_at": _epoch(session.face_at) if session.face_at else None,
        "jti": uuid.uuid4().hex,
        "iat": _epoch(now),
        "exp": _epoch(now) + ttl,
    }
    return jwt.encode(claims, config["SECRET_KEY"], algorithm=ALGORITHM)


def _new_refresh_token(session_id: str, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        RefreshToken(
            session_id=session_id,
            token_hash=hash_refresh_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        )
    )
    return token


def _pair(session: AuthSession, refresh_token: str, now: datetime) -> TokenPair:
    config = current_app.config
    return TokenPair(
        access_token=encode_access_token(session, now=now),
        expires_in=config["ACCESS_TOKEN_TTL"],
        refresh_token=refresh_token,
        refresh_expires_in=config["REFRESH_TOKEN_TTL"],
        account_id=session.account_id,
        level=session.level,
        auth_time=session.auth_time,
        face_at=session.face_at,
    )


def start_session(account_id: int, *, method: str, level: int, face_at: datetime | None = None) -> TokenPair:
    """Open a session and its first refresh token (flushed; the caller commits)."""
    # Whole seconds: the times travel in the JWT as epoch seconds and must read back equal.
    now = utcnow().replace(microsecond=0)
    face_at = face_at.replace(microsecond=0) if face_at else None
    session = AuthSession(
        id=uuid.uuid4().hex,
        account_id=account_id,
        method=method,
        level=level,
        auth_time=now,
        face_at=face_at,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    token = _new_refresh_token(session.id, now)
    db.session.flush()
    return _pair(session, token, now)


def start_child_session(parent_session_id: str, *, enterprise_id: int, grant_id: int | None) -> TokenPair:
    """Open an acting session: a child of the live personal session `parent_session_id` with the
    same account, level, auth time and face time, naming the enterprise (and the agent grant,
    if any) the person acts for. Flushed; the caller commits. Whether the person may act for
    the enterprise is app.enterprises' decision, made before and re-checked on every request."""
    parent = db.session.get(AuthSession, parent_session_id)
    if parent is None or parent.revoked_at is not None or parent.parent_id is not None:
        raise errors.SessionRevoked()
    now = utcnow().replace(microsecond=0)
    session = AuthSession(
        id=uuid.uuid4().hex,
        account_id=parent.account_id,
        method="acting",
        level=parent.level,
        auth_time=parent.auth_time,
        face_at=parent.face_at,
        created_at=now,
        parent_id=parent.id,
        enterprise_id=enterprise_id,
        grant_id=grant_id,
    )
    db.session.add(session)
    db.session.flush()
    token = _new_refresh_token(session.id, now)
    db.session.flush()
    return _pair(session, token, now)


def revoke_session(session_id: str, reason: str) -> None:
    """Revoke a session and its children (the acting sessions switched from it)."""
    db.session.execute(
        sa.update(AuthSession)
        .where(
            sa.or_(AuthSession.id == session_id, AuthSession.parent_id == session_id),
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )


def revoke_account_sessions(account_id: int, reason: str) -> None:
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )


def authenticate(token: str) -> Principal:
    """The principal of a valid access token whose session is live, else an Unauthenticated error."""
    config = current_app.config
    try:
        claims = jwt.decode(
            token,
            config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            issuer=config["JWT_ISSUER"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "sid", "lvl", "auth_time", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise errors.TokenExpired() from None
    except jwt.InvalidTokenError:
        raise errors.TokenInvalid() from None
    try:
        account_id = int(claims["sub"])
        claimed = (int(claims["lvl"]), _from_epoch(claims["auth_time"]), _from_epoch(claims.get("face_at")))
    except (TypeError, ValueError):
        raise errors.TokenInvalid() from None
    row = db.session.execute(
        sa.select(
            AuthSession.revoked_at,
            AuthSession.level,
            AuthSession.auth_time,
            AuthSession.face_at,
            AuthSession.enterprise_id,
            AuthSession.grant_id,
            Account.status,
        )
        .join(Account, Account.id == AuthSession.account_id)
        .where(AuthSession.id == str(claims["sid"]), AuthSession.account_id == account_id)
    ).first()
    if row is None or row.revoked_at is not None or row.status != AccountStatus.ACTIVE:
        raise errors.SessionRevoked()
    # The session's own level and face time decide; claims that differ were not minted by us.
    face_at = row.face_at.replace(microsecond=0) if row.face_at else None
    if claimed != (row.level, row.auth_time.replace(microsecond=0), face_at):
        log.warning("access token claims differ from its session", extra={"account_id": account_id})
    return Principal(
        account_id=account_id,
        session_id=str(claims["sid"]),
        level=row.level,
        auth_time=row.auth_time,
        face_at=row.face_at,
        # An acting session's context is NOT confirmed here: until app.enterprises.acting confirms
        # it on this request, it covers no item and names no role.
        acting=(
            Acting(enterprise_id=row.enterprise_id, role=UNCONFIRMED, grant_id=row.grant_id, item_codes=frozenset())
            if row.enterprise_id is not None
            else None
        ),
    )


def rotate(refresh_token: str) -> TokenPair:
    """Consume a refresh token and issue the next pair of the same session (commits).

    Safe under concurrent use of the same token: the row is locked and consumed by a
    conditional update, so exactly one caller wins; every other caller — concurrent or later —
    is treated as a replay and revokes the session.
    """
    now = utcnow()
    row = db.session.scalar(
        sa.select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token)).with_for_update()
    )
    if row is None:
        db.session.rollback()
        raise errors.RefreshTokenInvalid()
    session = db.session.get(AuthSession, row.session_id)
    if session.revoked_at is not None:
        db.session.rollback()
        raise errors.RefreshTokenInvalid()
    if row.used_at is None and row.expires_at <= now:
        db.session.rollback()
        raise errors.RefreshTokenExpired()
    consumed = (
        db.session.execute(
            sa.update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not consumed:
        revoke_session(session.id, "refresh_reuse")
        db.session.commit()
        raise errors.RefreshTokenReused()
    account = db.session.get(Account, session.account_id)
    if account.status != AccountStatus.ACTIVE:
        db.session.rollback()
        raise errors.SessionRevoked()
    token = _new_refresh_token(session.id, now)
    db.session.commit()
    return _pair(session, token, now)


def revoke_by_refresh_token(refresh_token: str) -> None:
    """Logout with a refresh token only: revoke its session if the token is known (commits)."""
    row = db.session.scalar(sa.select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token)))
    if row is not None:
        revoke_session(row.session_id, "logout")
    db.session.commit()
