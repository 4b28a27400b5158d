"""Registers the engagement packages (好差评, 预约, 咨询投诉, 统计) with the app: their models and
CLI commands. Their views live in miniprogram_api/ and app/staff_api/."""

from __future__ import annotations

import app.appointments.models  # noqa: F401 - registers the tables
import app.complaints.models  # noqa: F401
import app.evaluations.models  # noqa: F401


def register(app) -> None:
    from app.appointments.cli import appointments_cli

    app.cli.add_command(appointments_cli)
