"""Development fakes by name. They live in sandbox/ (architecture rule 17), not in the packages
that ship; a setting names one (e.g. SMS_PROVIDER=sandbox) and this loads it — only where the
configuration allows it (DEV_FAKES_ALLOWED: development and testing). Production refuses such
settings at start-up (app/settings/production.py) and this refuses them again at use."""

from __future__ import annotations

import importlib

from flask import current_app

FAKES = {
    "sms": "sandbox.sms:SandboxSmsProvider",
    "notifications-sms": "sandbox.sms:SandboxSmsNotifier",
}


class DevFakeRefused(RuntimeError):
    """A development fake was asked for where the configuration does not allow it."""


def load(kind: str):
    """The fake class registered as `kind`; DevFakeRefused outside development and testing."""
    config = current_app.config
    if not config.get("DEV_FAKES_ALLOWED"):
        raise DevFakeRefused(
            f"the development fake {kind!r} is refused with APP_ENV={config.get('ENV_NAME')} "
            "(DEV_FAKES_ALLOWED is off): configure a real provider"
        )
    module, _, attr = FAKES[kind].partition(":")
    return getattr(importlib.import_module(module), attr)
