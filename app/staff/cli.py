"""`flask staff …`: create staff accounts; demo staff for development."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.errors import DomainError
from app.staff import service
from app.staff.demo import DEMO_PASSWORD, seed_demo_staff
from app.staff.models import StaffRole


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
