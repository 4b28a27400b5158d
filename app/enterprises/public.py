# --- ent-scope ---
# What the other core domains (cases, licences) and the satellites need to know about an
# enterprise while a person acts for it: plain dicts, register facts only (no personal data).


def applicant_facts(enterprise_id: int) -> dict | None:
    """The enterprise as an applicant: {"id", "uscc", "uscc_hash", "name", "status", "can_apply"}
    (can_apply: in business, 存续); None when there is no such enterprise."""
    from app.enterprises.models import Enterprise, EnterpriseStatus
    from app.extensions import db

    row = db.session.get(Enterprise, enterprise_id)
    if row is None:
        return None
    return {
        "id": row.id,
        "uscc": row.uscc,
        "uscc_hash": row.uscc_hash,
        "name": row.name,
        "status": str(row.status),
        "can_apply": row.status == EnterpriseStatus.ACTIVE,
    }


def names_of(enterprise_ids) -> dict[int, str]:
    """The registered names of these enterprises, by id (for lists shown to staff and payers)."""
    import sqlalchemy as sa

    from app.enterprises.models import Enterprise
    from app.extensions import db

    ids = sorted({int(i) for i in enterprise_ids if i is not None})
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())


def representative_accounts(enterprise_id: int) -> list[int]:
    """The accounts bound to the enterprise as its legal representative now (for notifications)."""
    import sqlalchemy as sa

    from app.enterprises.models import EnterpriseBinding, Role
    from app.extensions import db

    return list(
        db.session.scalars(
            sa.select(EnterpriseBinding.account_id)
            .where(
                EnterpriseBinding.enterprise_id == enterprise_id,
                EnterpriseBinding.role == Role.LEGAL_REPRESENTATIVE,
                EnterpriseBinding.ended_at.is_(None),
            )
            .order_by(EnterpriseBinding.account_id)
        )
    )
