"""The citizen's own bundle application: finding and locking it (another person's is always
"not found"), and the actor written on timelines."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from app.bundles.errors import BundleApplicationNotFound, BundleNotEditable
from app.bundles.models import BundleApplication, BundleStatus
from app.errors import DomainError
from app.extensions import db
from app.identity.tokens import Principal


def actor(principal: Principal) -> str:
    return f"citizen:{principal.account_id}"


def own(principal: Principal, application_id: int) -> BundleApplication:
    app = db.session.scalar(
        sa.select(BundleApplication).where(
            BundleApplication.id == application_id, BundleApplication.account_id == principal.account_id
        )
    )
    if app is None:
        raise BundleApplicationNotFound()
    return app


def lock(application_id: int, *, account_id: int | None = None) -> BundleApplication:
    """The application row locked for update, re-read (the status another transaction committed)."""
    query = (
        sa.select(BundleApplication)
        .where(BundleApplication.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if account_id is not None:
        query = query.where(BundleApplication.account_id == account_id)
    app = db.session.scalar(query)
    if app is None:
        raise BundleApplicationNotFound()
    return app


def locked_draft(principal: Principal, application_id: int) -> BundleApplication:
    app = lock(application_id, account_id=principal.account_id)
    if app.status != BundleStatus.DRAFT:
        raise BundleNotEditable(errors={"status": {"current": app.status}})
    return app


def releasing(func):
    """A refusal (a domain error) after a row was locked ends the transaction at once, so the
    lock is not held until the request's teardown (a caller keeping the app context open)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            raise

    return wrapper
