"""Demo staff for development: a window clerk, a reviewer and a head in every department of the
catalog, so every demo journey can be processed (`flask staff seed`, refused in production).

Usernames are the department code in lower case with the role: `yqx-ga-clerk`,
`yqx-ga-reviewer`, `yqx-ga-head`; the password is DEMO_PASSWORD for all of them."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.catalog.models import Department
from app.extensions import db
from app.staff.models import StaffRole, StaffUser
from app.staff.service import PASSWORD_METHOD, record

DEMO_PASSWORD = "Zsb-Demo-2026"  # noqa: S105 - published demo password, refused in production
ROLES = (
    ("clerk", StaffRole.WINDOW_CLERK, "窗口受理员"),
    ("reviewer", StaffRole.REVIEWER, "审核员"),
    ("head", StaffRole.DEPARTMENT_HEAD, "负责人"),
)


def demo_username(department_code: str, suffix: str) -> str:
    return f"{department_code.lower()}-{suffix}"


def seed_demo_staff() -> int:
    """Create the missing demo accounts of every department (idempotent); returns how many."""
    existing = set(db.session.scalars(sa.select(StaffUser.username)))
    # one hash for all of them: the password is public anyway, and scrypt per account would make
    # the first `make run` wait for ~90 of them
    password_hash = None
    created = 0
    for code, name in db.session.execute(sa.select(Department.code, Department.name).order_by(Department.code)):
        for suffix, role, title in ROLES:
            username = demo_username(code, suffix)
            if username in existing:
                continue
            password_hash = password_hash or generate_password_hash(DEMO_PASSWORD, method=PASSWORD_METHOD)
            user = StaffUser(
                username=username,
                display_name=f"{name}{title}（演示）",
                password_hash=password_hash,
                role=role.value,
                department_code=code,
            )
            db.session.add(user)
            db.session.flush()
            record(staff_id=user.id, department_code=code, action="staff.create", target=username)
            created += 1
    db.session.commit()
    return created
