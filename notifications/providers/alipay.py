"""Alipay mini-program messages: `alipay.open.app.mini.templatemessage.send` through the official
alipay-sdk-python (`AlipayOpenAppMiniTemplatemessageSendRequest`), the method Alipay documents for
sending a subscribed template message from the server.

biz_content: `to_user_id` (2088…) or `to_open_id`, `user_template_id`, `page`, `data` (a JSON text
`{"keyword1": {"value": …}, …}`); `form_id` is only for the older form-triggered messages and
is not sent. The answer's `code` must be "10000". Error sub_codes (Alipay's list is not public in
full; these are the ones the sandbox answers, to be checked against the live API):
USER_UNSUBSCRIBED / SUBSCRIBE_QUOTA_EXHAUSTED (no consent — like WeChat 43101), USER_TEMPLATE_ILLEGAL,
INVALID_PARAMETER, USER_NOT_EXIST (bad data, final); code 20000 / isp.* (busy, retried).
"""

from __future__ import annotations

import http.client
import json
import logging

from alipay.aop.api.domain.AlipayOpenAppMiniTemplatemessageSendModel import AlipayOpenAppMiniTemplatemessageSendModel
from alipay.aop.api.exception.Exception import RequestException as SdkRequestError
from alipay.aop.api.exception.Exception import ResponseException as SdkResponseError
from alipay.aop.api.request.AlipayOpenAppMiniTemplatemessageSendRequest import (
    AlipayOpenAppMiniTemplatemessageSendRequest,
)
from alipay.aop.api.response.AlipayOpenAppMiniTemplatemessageSendResponse import (
    AlipayOpenAppMiniTemplatemessageSendResponse,
)

from app.clients.alipay import build_client, sdk_shim
from notifications.providers.base import (
    ChannelNotConfigured,
    ConsentRefused,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
)

log = logging.getLogger(__name__)

METHOD = "alipay.open.app.mini.templatemessage.send"
SUCCESS = "10000"
CONSENT_SUB_CODES = frozenset({"USER_UNSUBSCRIBED", "SUBSCRIBE_QUOTA_EXHAUSTED"})


class AlipayMessageChannel:
    name = "alipay"

    def __init__(self, *, app_id: str, app_private_key: str, alipay_public_key: str, server_url: str, timeout: int):
        if not (app_id and app_private_key and alipay_public_key):
            raise ChannelNotConfigured("ALIPAY_APP_ID / ALIPAY_APP_PRIVATE_KEY / ALIPAY_PUBLIC_KEY are empty")
        self._client, _ = build_client(
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            server_url=server_url,
            timeout=timeout,
            check_pair=False,
        )
        self.app_id = app_id

    def send(self, message: Outgoing) -> str:
        model = AlipayOpenAppMiniTemplatemessageSendModel()
        if message.recipient.startswith("2088"):
            model.to_user_id = message.recipient
        else:
            model.to_open_id = message.recipient
        model.user_template_id = message.template_id
        model.page = message.page
        model.data = json.dumps(message.data, ensure_ascii=False, separators=(",", ":"))
        request = AlipayOpenAppMiniTemplatemessageSendRequest(biz_model=model)
        try:
            raw = self._client.execute(request)
        except sdk_shim.HttpStatusError as exc:
            if exc.status >= 500 or exc.status == 429:
                raise RetryableSendError(f"alipay HTTP {exc.status}", code=f"HTTP_{exc.status}") from exc
            raise PermanentSendError(f"alipay HTTP {exc.status}", code=f"HTTP_{exc.status}") from exc
        except SdkResponseError as exc:  # the signature of the answer failed: we do not know the outcome
            raise RetryableSendError("alipay answer failed its signature check", code="BAD_SIGNATURE") from exc
        except (SdkRequestError, OSError, http.client.HTTPException) as exc:
            raise RetryableSendError(f"alipay unreachable: {type(exc).__name__}", code="NETWORK") from exc
        response = AlipayOpenAppMiniTemplatemessageSendResponse()
        try:
            response.parse_response_content(raw)
        except (ValueError, TypeError) as exc:
            raise RetryableSendError("alipay answer is not JSON", code="BAD_ANSWER") from exc
        if response.code == SUCCESS and not response.sub_code:
            return ""
        code, sub_code = response.code or "", response.sub_code or ""
        detail = f"code {code} sub_code {sub_code} {response.sub_msg or ''}".strip()[:250]
        if code == "20000" or sub_code.startswith("isp.") or sub_code.endswith("SYSTEM_ERROR"):
            raise RetryableSendError(detail, code=sub_code or code)
        if sub_code in CONSENT_SUB_CODES:
            raise ConsentRefused(detail, code=sub_code)
        raise PermanentSendError(detail, code=sub_code or code)
