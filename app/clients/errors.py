"""The one base of provider failures.

Every error a provider call can raise derives from `ProviderError`: identity's gateway errors,
payments' gateway errors, notifications' send errors, delivery's courier errors and the errors
of the shared clients. `retryable` tells callers (and RQ jobs) whether trying again later can
help. `error`/`message`/`http_status` are what the error envelope answers when one reaches a
view (registered once in app.web.api): a stable code and a Chinese message, never the
provider's own detail (it may echo personal data).
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider call failed. `detail` is for the log only; `provider_code` is the provider's
    own code (errcode, sub_code, HTTP status) when it gave one."""

    retryable = False
    error = "PROVIDER_ERROR"
    message = "第三方服务暂时异常，请稍后再试"
    http_status = 502
    detail = ""
    provider_code: str | None = None

    def __init__(self, detail: str = "", *, provider_code: str | None = None):
        super().__init__(detail or self.error)
        self.detail = detail
        self.provider_code = provider_code


class ProviderNotConfigured(ProviderError):
    """A provider's settings are missing or unusable; `detail` names the setting and the fix.
    Only the login channels let it reach a view (their wording)."""

    error = "CHANNEL_NOT_CONFIGURED"
    message = "该登录方式暂未开通"
    http_status = 503
