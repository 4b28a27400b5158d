"""WeChatGateway: what the identity core asks of WeChat, answered with providers.base types."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re

import redis
from wechatpy.exceptions import WeChatClientException

from app.clients.wechat import TOKEN_PREFIX, SharedTokenClient
from app.identity.providers.base import (
    BadProviderResponse,
    ChannelLogin,
    FaceOutcome,
    FaceSession,
    InvalidCode,
    ProviderNotConfigured,
)
from app.identity.providers.wechat.client import OpenPlatformOAuth
from app.identity.providers.wechat.errors import TOKEN_ERRCODES, translated

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
OUT_SEQ_NO = re.compile(r"^[0-9A-Za-z_-]{5,32}$")
VERIFY_PASSED = 10000
CERT_TYPE = "IDENTITY_CARD"


def cert_hash(cert_type: str, cert_name: str, cert_no: str) -> str:
    """queryverifyinfo's `cert_hash`: lowercase hex SHA-256 of the UTF-8 text
    `cert_type=<type>&cert_name=<name>&cert_no=<number>`, with exactly the values sent to
    getverifyid. WeChat documents only "generated from the certificate information"; this is our
    choice (shared with sandbox/), to be confirmed against the live API before going live."""
    text = f"cert_type={cert_type}&cert_name={cert_name}&cert_no={cert_no}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the provider's field format


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.lower().encode(), b.lower().encode())


def _object(result, operation: str) -> dict:
    if not isinstance(result, dict):  # wechatpy hands back the raw response when it is not JSON
        raise BadProviderResponse(f"{operation}: answer is not a JSON object")
    return result


def _text(data: dict, key: str, operation: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise BadProviderResponse(f"{operation}: no {key} in the answer")
        return None
    if not isinstance(value, str):
        raise BadProviderResponse(f"{operation}: {key} is not text")
    return value


def _int(data: dict, key: str, operation: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadProviderResponse(f"{operation}: no integer {key} in the answer")
    try:
        return int(value)
    except ValueError:
        raise BadProviderResponse(f"{operation}: {key} is not an integer") from None


class WeChatGateway:
    """WeChat for the identity core.

    appid/secret: the mini-program; open_appid/open_secret: the Open Platform mobile app (app
    login only). The access token is shared through `redis_client` by every process. Errors are
    those of providers.base: InvalidCode (40029, 40163), ProviderRateLimited (45011), RiskyUser
    (40226), ProviderBusy (-1, network, 5xx), BadProviderResponse (malformed), FaceNotFinished
    (84003), GatewayError for anything else (provider_code = errcode).
    """

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        redis_client: redis.Redis,
        open_appid: str = "",
        open_secret: str = "",
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 5.0,
        key_prefix: str = TOKEN_PREFIX,
    ):
        self.appid = appid
        self.open_appid = open_appid
        self.api_base = api_base.rstrip("/")
        self._client = None
        if appid and secret:
            self._client = SharedTokenClient(
                appid=appid,
                secret=secret,
                api_base=self.api_base,
                redis_client=redis_client,
                prefix=key_prefix,
                timeout=timeout,
            )
        self._oauth = None
        if open_appid and open_secret:
            self._oauth = OpenPlatformOAuth(
                appid=open_appid, secret=open_secret, api_base=self.api_base, timeout=timeout
            )

    # ------------------------------------------------------------------ login

    def code_to_session(self, code: str) -> ChannelLogin:
        """Mini-program login: the `wx.login` code → openid (+ unionid when the mini-program is
        bound to an Open Platform account). session_key is dropped here: it never leaves."""
        client = self._mini_program()
        if not code:
            raise InvalidCode("empty login code", provider_code="40029")
        with translated("jscode2session"):
            # access_token=None keeps wechatpy from fetching an access token first (requests drops
            # None-valued parameters): jscode2session is authorised by appid + secret alone, and a
            # login must not depend on the token endpoint.
            result = client.get(
                "sns/jscode2session",
                params={
                    "appid": self.appid,
                    "secret": client.secret,
                    "js_code": code,
                    "grant_type": "authorization_code",
                    "access_token": None,
                },
                api_base_url=f"{self.api_base}/",
            )
        data = _object(result, "jscode2session")
        return ChannelLogin(
            channel="wechat",
            appid=self.appid,
            openid=_text(data, "openid", "jscode2session"),
            unionid=_text(data, "unionid", "jscode2session", required=False),
        )

    def app_login(self, code: str) -> ChannelLogin:
        """Mobile app login through the Open Platform (`sns/oauth2/access_token`): openid in the
        app's namespace and the unionid that links it to the mini-program account."""
        if self._oauth is None:
            raise ProviderNotConfigured("WECHAT_OPEN_APPID / WECHAT_OPEN_SECRET are not configured")
        if not code:
            raise InvalidCode("empty login code", provider_code="40029")
        with translated("oauth2/access_token"):
            data = _object(self._oauth.fetch_access_token(code), "oauth2/access_token")
        return ChannelLogin(
            channel="wechat_app",
            appid=self.open_appid,
            openid=_text(data, "openid", "oauth2/access_token"),
            unionid=_text(data, "unionid", "oauth2/access_token", required=False),
        )

    # ------------------------------------------------------------------ face verification

    def face_start(self, *, out_seq_no: str, name: str, id_number: str, openid: str) -> FaceSession:
        """getverifyid: start a face check of `openid` against name + ID number. The phone then
        runs wx.requestFacialVerify({verifyId: session.provider_ref})."""
        if not OUT_SEQ_NO.match(out_seq_no or ""):
            raise ValueError("out_seq_no must be 5-32 of [0-9A-Za-z_-]")
        cert_name, cert_no = _normalise(name, id_number)
        body = {
            "out_seq_no": out_seq_no,
            "cert_info": {"cert_type": CERT_TYPE, "cert_name": cert_name, "cert_no": cert_no},
            "openid": openid,
        }
        data = self._call("cityservice/face/identify/getverifyid", body, "getverifyid")
        return FaceSession(
            channel="wechat",
            provider_ref=_text(data, "verify_id", "getverifyid"),
            out_seq_no=out_seq_no,
            expires_in=_int(data, "expires_in", "getverifyid", default=3600),
        )

    def face_query(self, *, verify_id: str, out_seq_no: str, name: str, id_number: str, openid: str) -> FaceOutcome:
        """queryverifyinfo: the verdict. passed only on verify_ret 10000; FaceNotFinished while
        the citizen has not finished on the phone. name/id_number/openid as given to face_start."""
        cert_name, cert_no = _normalise(name, id_number)
        body = {
            "verify_id": verify_id,
            "out_seq_no": out_seq_no,
            "cert_hash": cert_hash(CERT_TYPE, cert_name, cert_no),
            "openid": openid,
        }
        data = self._call("cityservice/face/identify/queryverifyinfo", body, "queryverifyinfo")
        verify_ret = _int(data, "verify_ret", "queryverifyinfo")
        return FaceOutcome(
            channel="wechat",
            provider_ref=verify_id,
            passed=verify_ret == VERIFY_PASSED,
            code=str(verify_ret),
            detail={"verify_ret": verify_ret},
        )

    def face_legacy(self, *, verify_result: str, name: str, id_number: str, openid: str | None = None) -> FaceOutcome:
        """The older flow (wx.startFacialRecognitionVerify → getinfo). errcode 0 only means the
        call worked: passed needs identify_ret 0 AND the MD5s of the ID number and name WeChat
        verified equal to ours (AND the same openid, when given)."""
        cert_name, cert_no = _normalise(name, id_number)
        data = self._call("cityservice/face/identify/getinfo", {"verify_result": verify_result}, "getinfo")
        identify_ret = _int(data, "identify_ret", "getinfo")
        id_md5 = _text(data, "id_card_number_md5", "getinfo")
        name_md5 = _text(data, "name_utf8_md5", "getinfo")
        # Which case WeChat hashes a trailing X in is not documented: either is the same person.
        id_matches = any(_same(id_md5, _md5(v)) for v in (cert_no, cert_no.lower()))
        name_matches = _same(name_md5, _md5(cert_name))
        openid_matches = openid is None or data.get("openid") == openid
        passed = identify_ret == 0 and id_matches and name_matches and openid_matches
        if identify_ret == 0 and not passed:
            log.warning(
                "wechat getinfo: verified identity differs from the one submitted",
                extra={"id_matches": id_matches, "name_matches": name_matches, "openid_matches": openid_matches},
            )
        return FaceOutcome(
            channel="wechat",
            provider_ref=verify_result,
            passed=passed,
            code=str(identify_ret),
            detail={
                "identify_ret": identify_ret,
                "id_card_number_matches": id_matches,
                "name_matches": name_matches,
                "openid_matches": openid_matches,
            },
        )

    # ------------------------------------------------------------------ plumbing

    def _mini_program(self) -> SharedTokenClient:
        if self._client is None:
            raise ProviderNotConfigured("WECHAT_APPID / WECHAT_SECRET are not configured")
        return self._client

    def _call(self, path: str, body: dict, operation: str) -> dict:
        """POST an access-token API. A refused token (40001/40014/42001) is refreshed once and
        the call retried once; a second refusal is ProviderBusy."""
        client = self._mini_program()
        with translated(operation):
            token = client.access_token
            try:
                result = self._post(client, path, body, token)
            except WeChatClientException as exc:
                if exc.errcode not in TOKEN_ERRCODES:
                    raise
                log.info("wechat %s: access token refused (errcode %s), refreshing once", operation, exc.errcode)
                client.fetch_access_token(stale=token)
                result = self._post(client, path, body, client.access_token)
        return _object(result, operation)

    def _post(self, client: SharedTokenClient, path: str, body: dict, token: str):
        return client.post(path, params={"access_token": token}, data=dict(body), api_base_url=f"{self.api_base}/")


def _normalise(name: str, id_number: str) -> tuple[str, str]:
    return (name or "").strip(), (id_number or "").strip().upper()
