"""In-memory state of the WeChat simulator: apps, access tokens, used codes, face sessions,
subscribe messages. One lock guards it all; the simulator serves requests on threads."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sandbox.common import CallLog, FailureRule, mask

MINIPROGRAM = "miniprogram"
OPEN = "open"  # Open Platform mobile app (sns/oauth2 login)

TOKEN_TTL = 7200
# The real platform keeps the previous token valid for five minutes after a new one is issued.
TOKEN_GRACE = 300
FACE_TTL = 3600
LEGACY_TTL = 7200

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
    84001: "invalid verify_id or verify_result",
    84002: "verify result expired",
    84003: "verify not finished: the user has not completed face verification yet",
}

# verify_ret for the "phone" outcomes (POST /sandbox/face/<verify_id>).
OUTCOME_VERIFY_RET = {"pass": 10000, "fail": 10004, "cancel": 90002, "timeout": 90017}
# identify_ret of the older getinfo flow: 0 = passed.
OUTCOME_IDENTIFY_RET = {"pass": 0, "fail": 10004, "cancel": 90002}


def cert_hash(cert_type: str, cert_name: str, cert_no: str) -> str:
    """The sandbox's definition of queryverifyinfo's cert_hash (the real formula is unpublished):
    lowercase hex SHA-256 of the UTF-8 text `cert_type=<type>&cert_name=<name>&cert_no=<number>`,
    with exactly the values given to getverifyid. Computed independently of the gateway on purpose."""
    text = f"cert_type={cert_type}&cert_name={cert_name}&cert_no={cert_no}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the provider's own field format


@dataclass
class Token:
    appid: str
    expires_at: float
    revoked_errcode: int | None = None  # set by the expire control: answers 42001/40001 from now on


@dataclass
class FaceSession:
    verify_id: str
    appid: str
    openid: str
    out_seq_no: str
    cert_type: str
    cert_name: str
    cert_no: str
    created: float
    expires_in: int = FACE_TTL
    verify_ret: int | None = None  # None until the "phone" reports

    def public(self) -> dict:
        return {
            "verify_id": self.verify_id,
            "appid": self.appid,
            "openid": self.openid,
            "out_seq_no": self.out_seq_no,
            "cert_name": mask(self.cert_name),
            "created": round(self.created, 3),
            "expires_in": self.expires_in,
            "verify_ret": self.verify_ret,
        }


@dataclass
class LegacyResult:
    verify_result: str
    appid: str
    openid: str
    identify_ret: int
    id_card_number_md5: str
    name_utf8_md5: str
    created: float


@dataclass
class WeChatState:
    """apps: appid -> (secret, kind) with kind MINIPROGRAM or OPEN."""

    apps: dict[str, tuple[str, str]]
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, Token] = field(default_factory=dict)
    latest_token: dict[str, str] = field(default_factory=dict)
    token_fetches: Counter = field(default_factory=Counter)
    used_codes: set[tuple[str, str]] = field(default_factory=set)
    faces: dict[str, FaceSession] = field(default_factory=dict)
    out_seq_nos: set[tuple[str, str]] = field(default_factory=set)
    legacy: dict[str, LegacyResult] = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    subscribe_errors: list[dict] = field(default_factory=list)
    subscribe_holds: list[dict] = field(default_factory=list)  # sandbox.messages
    subscribe_received: list[dict] = field(default_factory=list)  # every send attempt, with its outcome
    failures: list[FailureRule] = field(default_factory=list)
    calls: CallLog = field(default_factory=CallLog)

    # ------------------------------------------------------------------ tokens

    def issue_token(self, appid: str) -> tuple[str, int]:
        now = time.time()
        with self.lock:
            previous = self.latest_token.get(appid)
            if previous and previous in self.tokens:
                self.tokens[previous].expires_at = min(self.tokens[previous].expires_at, now + TOKEN_GRACE)
            token = "sbx_" + secrets.token_urlsafe(48)
            self.tokens[token] = Token(appid=appid, expires_at=now + TOKEN_TTL)
            self.latest_token[appid] = token
            self.token_fetches[appid] += 1
        return token, TOKEN_TTL

    def check_token(self, token: str | None) -> tuple[str | None, int]:
        """(appid, 0) for a valid token, else (None, errcode)."""
        with self.lock:
            entry = self.tokens.get(token or "")
            if entry is None:
                return None, 40001
            if entry.revoked_errcode:
                return None, entry.revoked_errcode
            if time.time() >= entry.expires_at:
                return None, 42001
            return entry.appid, 0

    def expire_tokens(self, appid: str | None = None, errcode: int = 42001) -> int:
        with self.lock:
            count = 0
            for entry in self.tokens.values():
                if (appid is None or entry.appid == appid) and not entry.revoked_errcode:
                    entry.revoked_errcode = errcode
                    count += 1
            return count

    # ------------------------------------------------------------------ codes

    def use_code(self, appid: str, code: str) -> bool:
        """Mark a login code used; False when it already was."""
        with self.lock:
            if (appid, code) in self.used_codes:
                return False
            self.used_codes.add((appid, code))
            return True

    # ------------------------------------------------------------------ face

    def report_face(self, verify_id: str, verify_ret: int) -> FaceSession | None:
        with self.lock:
            session = self.faces.get(verify_id)
            if session is not None:
                session.verify_ret = verify_ret
            return session

    def add_legacy(self, *, appid: str, openid: str, name: str, id_number: str, identify_ret: int) -> str:
        verify_result = "vr_" + secrets.token_urlsafe(32)
        with self.lock:
            self.legacy[verify_result] = LegacyResult(
                verify_result=verify_result,
                appid=appid,
                openid=openid,
                identify_ret=identify_ret,
                id_card_number_md5=md5_hex(id_number),
                name_utf8_md5=md5_hex(name),
                created=time.time(),
            )
        return verify_result

    def app_kind(self, appid: str) -> str | None:
        entry = self.apps.get(appid)
        return entry[1] if entry else None

    def secret_ok(self, appid: str, secret: str | None) -> bool:
        entry = self.apps.get(appid)
        return bool(entry) and hmac.compare_digest(entry[0].encode(), (secret or "").encode())
