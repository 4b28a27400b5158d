"""`flask staff …`: create staff accounts, enrol their second factor, end their sessions; demo
staff for development."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.errors import DomainError
from app.extensions import db
from app.staff import auth, service, totp
from app.staff.demo import DEMO_PASSWORD, seed_demo_staff
from app.staff.models import StaffRole, StaffUser


@click.group("staff", help="Staff accounts (工作人员).")
def staff_cli():
    pass


@staff_cli.command("create")
@click.option("--username", required=True)
@click.option("--department", required=True, help="Department code, e.g. YQX-MZ.")
@click.option("--role", required=True, type=click.Choice([r.value for r in StaffRole]))
@click.option("--display-name", default="")
@click.password_option(help="Prompted for (twice) when not given.")
@with_appcontext
def create_command(username: str, department: str, role: str, display_name: str, password: str):
    """Create a staff account."""
    try:
        out = service.create_staff(
            username=username, password=password, department_code=department, role=role, display_name=display_name
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    click.echo(f"created staff {out['username']} ({out['role']}, {out['department_code']})")
    if totp.required():
        # No first login without the second factor: enrol it now and hand the URI over.
        click.echo(f"second factor (scan into an authenticator app): {totp.enrol_by_admin(out['username'])}")


@staff_cli.command("totp-enrol")
@click.argument("username")
@with_appcontext
def totp_enrol_command(username: str):
    """Give USERNAME a new second factor (TOTP) and print its otpauth:// URI.

    Replaces any previous one and ends the account's sessions. Hand the URI (or a QR code of it)
    to the staff member only, for their authenticator app."""
    try:
        uri = totp.enrol_by_admin(username)
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    click.echo(uri)


@staff_cli.command("revoke-sessions")
@click.argument("username")
@with_appcontext
def revoke_sessions_command(username: str):
    """End every session of USERNAME: their tokens stop on the next request."""
    try:
        count = auth.revoke_by_username(username)
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    click.echo(f"revoked {count} session(s) of {username.strip().lower()}")


@staff_cli.command("seed")
@with_appcontext
def seed_command():
    """Create the demo staff accounts (development only; idempotent)."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("demo staff are not created in production")
    created = seed_demo_staff()
    click.echo(
        f"staff: {created} demo accounts created — <department code>-clerk / -reviewer / -head in every "
        f"department, e.g. yqx-ga-clerk (password {DEMO_PASSWORD})"
    )
    if totp.required():
        unenrolled = db.session.scalars(
            sa.select(StaffUser.username).where(StaffUser.totp_secret_enc.is_(None)).order_by(StaffUser.username)
        ).all()
        for username in unenrolled:
            click.echo(f"{username} second factor: {totp.enrol_by_admin(username)}")
