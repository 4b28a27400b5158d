"""Couriers behind one interface (base.Courier): SF Express and the hall."""

from __future__ import annotations

from flask import current_app

from delivery.providers.base import Courier
from delivery.providers.hall import HallCourier
from delivery.providers.sf import SFExpress

NAMES = ("sf", "hall")
DISPLAY = {"sf": SFExpress.display_name, "hall": HallCourier.display_name}


def sf_from_config() -> SFExpress:
    cfg = current_app.config
    return SFExpress(
        api_url=cfg["SF_API_URL"],
        partner_id=cfg["SF_PARTNER_ID"],
        check_word=cfg["SF_CHECKWORD"],
        monthly_card=cfg["SF_MONTHLY_CARD"],
        timeout=float(cfg["SF_TIMEOUT"]),
        push_max_age=int(cfg["SF_PUSH_MAX_AGE"]),
    )


def courier(name: str) -> Courier:
    if name == "sf":
        return sf_from_config()
    if name == "hall":
        return HallCourier()
    raise ValueError(f"unknown courier {name!r}")
