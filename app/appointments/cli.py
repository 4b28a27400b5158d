"""`flask appointments …`: demo halls, windows and slots."""

from __future__ import annotations

import click


@click.group("appointments", help="Halls, windows and appointment slots (网上预约).")
def appointments_cli():
    pass
