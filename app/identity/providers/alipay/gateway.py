"""AlipayGateway: what the identity core asks of Alipay, answered with providers.base types."""

from __future__ import annotations

import http.client
import logging
import re

from alipay.aop.api.domain.AlipayUserCertifyOpenCertifyModel import AlipayUserCertifyOpenCertifyModel
from alipay.aop.api.domain.AlipayUserCertifyOpenInitializeModel import AlipayUserCertifyOpenInitializeModel
from alipay.aop.api.domain.AlipayUserCertifyOpenQueryModel import AlipayUserCertifyOpenQueryModel
from alipay.aop.api.domain.OpenCertifyIdentityParam import OpenCertifyIdentityParam
from alipay.aop.api.domain.OpenCertifyMerchantConfig import OpenCertifyMerchantConfig
from alipay.aop.api.exception.Exception import RequestException as SdkRequestError
from alipay.aop.api.exception.Exception import ResponseException as SdkResponseError
from alipay.aop.api.request.AlipaySystemOauthTokenRequest import AlipaySystemOauthTokenRequest
from alipay.aop.api.request.AlipayUserCertifyOpenCertifyRequest import AlipayUserCertifyOpenCertifyRequest
from alipay.aop.api.request.AlipayUserCertifyOpenInitializeRequest import AlipayUserCertifyOpenInitializeRequest
from alipay.aop.api.request.AlipayUserCertifyOpenQueryRequest import AlipayUserCertifyOpenQueryRequest
from alipay.aop.api.response.AlipayResponse import AlipayResponse
from alipay.aop.api.response.AlipaySystemOauthTokenResponse import AlipaySystemOauthTokenResponse
from alipay.aop.api.response.AlipayUserCertifyOpenInitializeResponse import AlipayUserCertifyOpenInitializeResponse
from alipay.aop.api.response.AlipayUserCertifyOpenQueryResponse import AlipayUserCertifyOpenQueryResponse

from app.clients.alipay import build_client, sdk_shim
from app.identity.providers.base import (
    BadProviderResponse,
    ChannelLogin,
    FaceNotFinished,
    FaceOutcome,
    FaceSession,
    GatewayError,
    InvalidCode,
    ProviderBusy,
)

log = logging.getLogger(__name__)

DEFAULT_SERVER_URL = "https://openapi.alipay.com/gateway.do"
SUCCESS = "10000"
CERTIFY_TTL = 23 * 3600  # certify_id validity
OUTER_ORDER_NO = re.compile(r"^[0-9A-Za-z]{1,32}$")  # "32 letters and digits" per the API reference
INVALID_CODE_SUB_CODES = frozenset({"isv.code-invalid"})


class AlipayGateway:
    """Alipay for the identity core, through the official SDK (`DefaultAlipayClient`).

    Keys: app_private_key / alipay_public_key as PEM text, bare base64 or a file path (checked
    here; a PKCS#8 app key is converted to the PKCS#1 the SDK needs). The SDK checks every
    response signature; a failed or missing one is BadProviderResponse. Business answers are
    checked here: code 10000 (the oauth token answer carries none), else InvalidCode
    (isv.code-invalid), ProviderBusy (20000 / isp.*), GatewayError (provider_code = sub_code).
    """

    channel = "alipay"

    def __init__(
        self,
        *,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        server_url: str = DEFAULT_SERVER_URL,
        timeout: int = 10,
        certify_return_url: str = "",
    ):
        self._client, _ = build_client(
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            server_url=server_url,
            timeout=timeout,
        )
        self.app_id = app_id
        self.certify_return_url = certify_return_url

    # ------------------------------------------------------------------ login

    def oauth_token(self, auth_code: str) -> ChannelLogin:
        """Mini-program login: the `my.getAuthCode` code → user_id (2088…) and/or open_id."""
        if not auth_code:
            raise InvalidCode("empty auth code", provider_code="isv.code-invalid")
        request = AlipaySystemOauthTokenRequest()
        request.grant_type = "authorization_code"
        request.code = auth_code
        response = self._execute(request, AlipaySystemOauthTokenResponse(), "oauth.token")
        # Unlike the other methods, a successful token answer carries no `code`.
        if response.code not in (None, SUCCESS) or response.sub_code:
            raise self._error(response, "oauth.token")
        user_id, open_id = _opt_text(response.user_id), _opt_text(response.open_id)
        if not (user_id or open_id) or not response.access_token:
            raise BadProviderResponse("oauth.token: no user_id/open_id or access_token in the answer")
        return ChannelLogin(channel="alipay", appid=self.app_id, user_id=user_id, open_id=open_id)

    # ------------------------------------------------------------------ real-person certification

    def certify_start(
        self, *, outer_order_no: str, name: str, id_number: str, return_url: str | None = None
    ) -> FaceSession:
        """initialize + the signed certify page URL the mini-program opens (my.startAPVerify /
        a web-view). return_url: where Alipay sends the citizen afterwards (defaults to
        ALIPAY_CERTIFY_RETURN_URL)."""
        if not OUTER_ORDER_NO.match(outer_order_no or ""):
            raise ValueError("outer_order_no must be 1-32 letters and digits")
        return_url = return_url or self.certify_return_url
        if not return_url:
            raise ValueError("certify_start needs a return_url (or ALIPAY_CERTIFY_RETURN_URL)")
        identity = OpenCertifyIdentityParam()
        identity.identity_type = "CERT_INFO"
        identity.cert_type = "IDENTITY_CARD"
        identity.cert_name = (name or "").strip()
        identity.cert_no = (id_number or "").strip().upper()
        merchant = OpenCertifyMerchantConfig()
        merchant.return_url = return_url
        model = AlipayUserCertifyOpenInitializeModel()
        model.outer_order_no = outer_order_no
        model.biz_code = "FACE"
        model.identity_param = identity
        model.merchant_config = merchant
        response = self._execute(
            AlipayUserCertifyOpenInitializeRequest(biz_model=model),
            AlipayUserCertifyOpenInitializeResponse(),
            "certify.initialize",
        )
        if response.code != SUCCESS or response.sub_code:
            raise self._error(response, "certify.initialize")
        certify_id = _opt_text(response.certify_id)
        if not certify_id:
            raise BadProviderResponse("certify.initialize: no certify_id in the answer")
        page_model = AlipayUserCertifyOpenCertifyModel()
        page_model.certify_id = certify_id
        try:
            url = self._client.page_execute(
                AlipayUserCertifyOpenCertifyRequest(biz_model=page_model), http_method="GET"
            )
        except SdkRequestError as exc:  # signing failed locally
            raise GatewayError(f"certify.certify: {exc}") from exc
        return FaceSession(
            channel="alipay",
            provider_ref=certify_id,
            out_seq_no=outer_order_no,
            expires_in=CERTIFY_TTL,
            certify_url=url,
        )

    def certify_query(self, *, certify_id: str) -> FaceOutcome:
        """The verdict: passed only on passed == "T". "F" with a fail_reason is a failure; "F"
        without one is no verdict yet (FaceNotFinished) — Alipay reports an unfinished check as
        "F" too, and a verdict always comes with its reason."""
        model = AlipayUserCertifyOpenQueryModel()
        model.certify_id = certify_id
        response = self._execute(
            AlipayUserCertifyOpenQueryRequest(biz_model=model), AlipayUserCertifyOpenQueryResponse(), "certify.query"
        )
        if response.code != SUCCESS or response.sub_code:
            raise self._error(response, "certify.query")
        if response.passed == "T":
            return FaceOutcome(channel="alipay", provider_ref=certify_id, passed=True, code="T")
        if response.passed == "F":
            fail_reason = _opt_text(response.fail_reason)
            if not fail_reason:
                raise FaceNotFinished("certify.query: passed F without a fail_reason", provider_code="F")
            return FaceOutcome(
                channel="alipay", provider_ref=certify_id, passed=False, code="F", detail={"fail_reason": fail_reason}
            )
        raise BadProviderResponse(f"certify.query: passed is {response.passed!r}")

    # ------------------------------------------------------------------ plumbing

    def _execute(self, request, response: AlipayResponse, operation: str):
        try:
            raw = self._client.execute(request)
        except sdk_shim.HttpStatusError as exc:
            log.warning("alipay %s: HTTP %s", operation, exc.status)
            if exc.status >= 500 or exc.status == 429:
                raise ProviderBusy(f"{operation}: HTTP {exc.status}") from exc
            raise BadProviderResponse(f"{operation}: HTTP {exc.status}") from exc
        except SdkResponseError as exc:  # signature failed, or no signed *_response object at all
            log.warning("alipay %s: response rejected (signature or shape)", operation)
            raise BadProviderResponse(f"{operation}: response signature check failed") from exc
        except (SdkRequestError, OSError, http.client.HTTPException) as exc:
            log.warning("alipay %s unreachable: %s", operation, type(exc).__name__)
            raise ProviderBusy(f"{operation}: {type(exc).__name__}") from exc
        except UnicodeDecodeError as exc:
            raise BadProviderResponse(f"{operation}: answer is not UTF-8") from exc
        try:
            response.parse_response_content(raw)
        except (ValueError, TypeError) as exc:
            raise BadProviderResponse(f"{operation}: answer is not a JSON object") from exc
        return response

    def _error(self, response: AlipayResponse, operation: str) -> GatewayError:
        code, sub_code = response.code, response.sub_code
        detail = f"{operation}: code {code} sub_code {sub_code} {response.sub_msg or response.msg or ''}".strip()
        provider_code = sub_code or code
        if code is None and sub_code is None:
            error: GatewayError = BadProviderResponse(f"{operation}: answer without code")
        elif sub_code in INVALID_CODE_SUB_CODES:
            error = InvalidCode(detail, provider_code=provider_code)
        elif code == "20000" or (sub_code or "").startswith("isp.") or (sub_code or "").endswith("SYSTEM_ERROR"):
            error = ProviderBusy(detail, provider_code=provider_code)
        else:
            error = GatewayError(detail, provider_code=provider_code)
        if isinstance(error, InvalidCode):
            log.info("alipay %s: %s", operation, error.error, extra={"provider_code": provider_code})
        else:
            log.warning("alipay %s failed: %s", operation, detail, extra={"provider_code": provider_code})
        return error


def _opt_text(value) -> str | None:
    return value if isinstance(value, str) and value else None
