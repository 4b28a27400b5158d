"""Online payment of case fees: WeChat Pay v3 and Alipay (issue 5)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
