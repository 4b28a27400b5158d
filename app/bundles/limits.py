"""Bounds that protect the citizen (and the platform) on bundle applications: the number of open
(unsubmitted) bundle drafts per account, like app/cases/form_limits.py does for case drafts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.bundles.errors import TooManyBundleDrafts
from app.bundles.models import BundleApplication, BundleStatus
from app.extensions import db
from app.identity.models import Account


def check_draft_quota(account_id: int) -> None:
    """Raise TooManyBundleDrafts when the citizen already has BUNDLE_MAX_OPEN_DRAFTS bundle
    drafts. The account row is locked so two concurrent starts cannot both take the last place
    (the caller commits)."""
    limit = int(current_app.config.get("BUNDLE_MAX_OPEN_DRAFTS", 10))
    db.session.execute(sa.select(Account.id).where(Account.id == account_id).with_for_update())
    open_drafts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BundleApplication)
        .where(BundleApplication.account_id == account_id, BundleApplication.status == BundleStatus.DRAFT)
    )
    if open_drafts >= limit:
        raise TooManyBundleDrafts(
            f"您已有{open_drafts}份未提交的一件事申请，请先提交或删除不需要的申请",
            details={"drafts": {"open": open_drafts, "limit": limit}},
        )
