"""Aliyun SMS SendSms (RPC style, API version 2017-05-25, SignatureVersion 1.0) over its HTTP
API, signed with HMAC-SHA1 as Aliyun documents (see `AliyunSmsClient.sign`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from app.clients.errors import ProviderError, ProviderNotConfigured

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


class AliyunSmsError(ProviderError):
    """SendSms failed. `kind`: "network" (unreachable), "bad_answer" (no JSON) or "refused"
    (Aliyun's Code in `provider_code`); `status` is the HTTP status when there was an answer."""

    def __init__(self, detail: str, *, kind: str, provider_code: str | None = None, status: int | None = None):
        super().__init__(detail, provider_code=provider_code)
        self.kind = kind
        self.status = status


class AliyunSmsClient:
    """One templated message per call; `send` returns Aliyun's BizId."""

    API_VERSION = "2017-05-25"
    # Codes (and HTTP 5xx) after which trying again later may work.
    RETRYABLE = {"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable", "InternalError"}

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        endpoint: str = DEFAULT_ENDPOINT,
        region_id: str = "cn-hangzhou",
        timeout: float = 5.0,
    ):
        if not (access_key_id and access_key_secret and sign_name):
            raise ProviderNotConfigured("Aliyun SMS is not configured (SMS_ALIYUN_* settings)")
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.endpoint = endpoint
        self.region_id = region_id
        self.timeout = timeout

    @staticmethod
    def percent_encode(value: str) -> str:
        """RFC 3986 encoding of UTF-8: only A-Z a-z 0-9 - _ . ~ stay as they are."""
        return quote(str(value), safe="~")

    @classmethod
    def canonical_query(cls, params: dict[str, str]) -> str:
        return "&".join(f"{cls.percent_encode(k)}={cls.percent_encode(v)}" for k, v in sorted(params.items()))

    @classmethod
    def sign(cls, secret: str, params: dict[str, str], method: str = "GET") -> str:
        """Base64 HMAC-SHA1, key `secret + "&"`, over `METHOD&%2F&percent(canonical query)`."""
        string_to_sign = f"{method}&{cls.percent_encode('/')}&{cls.percent_encode(cls.canonical_query(params))}"
        digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def signed_params(
        self,
        mobile: str,
        template_code: str,
        template_param: dict,
        *,
        nonce: str | None = None,
        timestamp: str | None = None,
    ) -> dict:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(template_param, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.API_VERSION,
        }
        params["Signature"] = self.sign(self.access_key_secret, params)
        return params

    def send(self, mobile: str, template_code: str, template_param: dict) -> str:
        """Send the template to `mobile`; Aliyun's BizId, or AliyunSmsError (retryable when the
        network failed, the answer was not JSON, the code is in RETRYABLE or the status is 5xx)."""
        params = self.signed_params(mobile, template_code, template_param)
        signature = params.pop("Signature")
        url = f"{self.endpoint}?Signature={self.percent_encode(signature)}&{self.canonical_query(params)}"
        try:
            response = requests.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            error = AliyunSmsError(f"unreachable: {type(exc).__name__}", kind="network")
            error.retryable = True
            raise error from exc
        try:
            body = response.json()
        except ValueError as exc:
            error = AliyunSmsError(
                f"answered HTTP {response.status_code} without JSON", kind="bad_answer", status=response.status_code
            )
            error.retryable = True
            raise error from exc
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId", ""))
        error = AliyunSmsError(f"refused: {code}", kind="refused", provider_code=code, status=response.status_code)
        error.retryable = code in self.RETRYABLE or response.status_code >= 500
        raise error
