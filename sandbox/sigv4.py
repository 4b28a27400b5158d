"""AWS Signature Version 4, the server side: rebuild the canonical request from what arrived on
the wire, derive the signing key and compare signatures (what S3 does with every request).

Written from the published algorithm, not from botocore, so the simulator checks the SDK rather
than agreeing with itself; tests/storage/test_sigv4.py pins it to AWS's published examples.

    canonical request = method \\n canonical URI \\n canonical query \\n canonical headers \\n
                        signed headers \\n hashed payload
    string to sign    = "AWS4-HMAC-SHA256" \\n amz-date \\n scope \\n hex(sha256(canonical request))
    signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
    signature         = hex(HMAC(signing key, string to sign))
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# The chunk-signed streaming forms: boto3 never sends them (it uses the unsigned trailer form
# over TLS and a signed body hash over plain HTTP); the simulator refuses them explicitly.
STREAMING_SIGNED = frozenset(
    {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    }
)

_SPACES = re.compile(r"\s+")
_AUTH_FIELD = re.compile(r"\s*(Credential|SignedHeaders|Signature)\s*=\s*([^,\s]*)\s*")


def uri_encode(value: str, *, keep_slash: bool) -> str:
    """RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
    (upper case), space is %20 (never '+'); '/' stays only in paths."""
    return quote(value, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_uri(raw_path: str) -> str:
    """S3's canonical URI: the path decoded once and encoded once (no dot-segment or double-slash
    normalisation, unlike other services)."""
    return uri_encode(unquote(raw_path or "/"), keep_slash=True) or "/"


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """The query string as decoded (name, value) pairs in wire order; 'a' and 'a=' both give ''."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    encoded = sorted((uri_encode(k, keep_slash=False), uri_encode(v, keep_slash=False)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_header_value(value: str) -> str:
    return _SPACES.sub(" ", value.strip())


def canonical_request(
    *,
    method: str,
    raw_path: str,
    query: list[tuple[str, str]],
    headers: dict[str, list[str]],
    signed_headers: list[str],
    payload_hash: str,
) -> str:
    """`headers` maps lower-case names to every value received (joined with ',' as SigV4 says)."""
    lines = []
    for name in signed_headers:
        values = headers.get(name, [])
        lines.append(f"{name}:{','.join(canonical_header_value(v) for v in values)}\n")
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query),
            "".join(lines),
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/aws4_request"


def string_to_sign(amz_date: str, credential_scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{credential_scope}\n{digest}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k_date = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, "aws4_request")


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def signatures_match(expected: str, provided: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii", "replace"), provided.encode("ascii", "replace"))


class AuthorizationMalformed(ValueError):
    """The Authorization header (or the presigned query) is not a well-formed SigV4 one."""


@dataclass(frozen=True)
class Credential:
    access_key: str
    date: str
    region: str
    service: str
    terminator: str

    @classmethod
    def parse(cls, value: str) -> Credential:
        parts = value.split("/")
        if len(parts) != 5 or not all(parts):
            raise AuthorizationMalformed(
                'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
            )
        return cls(*parts)

    @property
    def scope(self) -> str:
        return "/".join((self.date, self.region, self.service, self.terminator))


@dataclass(frozen=True)
class AuthorizationHeader:
    credential: Credential
    signed_headers: list[str]
    signature: str

    @classmethod
    def parse(cls, value: str) -> AuthorizationHeader:
        algorithm, _, rest = value.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise AuthorizationMalformed(f"Unsupported Authorization Type: {algorithm!r}")
        fields: dict[str, str] = {}
        for part in rest.split(","):
            match = _AUTH_FIELD.fullmatch(part)
            if not match:
                raise AuthorizationMalformed(f"the authorization header is malformed near {part.strip()!r}")
            fields[match.group(1)] = match.group(2)
        missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
        if missing:
            raise AuthorizationMalformed(f"Authorization header requires '{missing[0]}' parameter")
        signed = fields["SignedHeaders"].split(";")
        if signed != sorted(signed) or any(name != name.lower() or not name for name in signed):
            raise AuthorizationMalformed("SignedHeaders must be lower-case names in sorted order")
        return cls(Credential.parse(fields["Credential"]), signed, fields["Signature"])


# ---------------------------------------------------------------- verifying a request


class SigV4Error(Exception):
    """A request S3 refuses during authentication: the S3 error code, HTTP status, message and
    the extra elements S3 puts in its <Error> body (StringToSign, CanonicalRequest, ...)."""

    def __init__(self, code: str, status: int, message: str, **extra: str):
        super().__init__(message)
        self.code, self.status, self.message, self.extra = code, status, message, extra


@dataclass(frozen=True)
class Verified:
    access_key: str
    payload_hash: str  # the x-amz-content-sha256 value (or UNSIGNED-PAYLOAD for presigned URLs)
    presigned: bool


AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _parse_amz_date(value: str):
    from datetime import UTC, datetime

    try:
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def verify_request(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, list[str]],
    body: bytes | None,
    secrets: dict[str, str],
    region: str,
    now,
    service: str = "s3",
) -> Verified:
    """Authenticate one request the way S3 does, header-signed or presigned (query string).

    `headers` maps lower-case names to their values; `body` is the raw body (None: don't check the
    payload hash, the caller handles streaming bodies); `now` an aware datetime. Raises SigV4Error
    with S3's code: AccessDenied, AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
    InvalidAccessKeyId, RequestTimeTooSkewed, InvalidRequest, InvalidArgument, NotImplemented,
    SignatureDoesNotMatch, XAmzContentSHA256Mismatch."""
    query = parse_query(raw_query)
    query_names = {name for name, _ in query}
    authorization = _first(headers, "authorization")
    presigned = "X-Amz-Algorithm" in query_names
    if authorization and presigned:
        raise SigV4Error(
            "InvalidArgument",
            400,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        )
    if not authorization and not presigned:
        raise SigV4Error("AccessDenied", 403, "Access Denied")

    if presigned:
        params = dict(query)
        for name in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"):
            if not params.get(name):
                raise SigV4Error(
                    "AuthorizationQueryParametersError",
                    400,
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
                )
        if params["X-Amz-Algorithm"] != ALGORITHM:
            raise SigV4Error(
                "AuthorizationQueryParametersError", 400, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
            )
        try:
            credential = Credential.parse(params["X-Amz-Credential"])
        except AuthorizationMalformed as exc:
            raise SigV4Error("AuthorizationQueryParametersError", 400, str(exc)) from None
        signed_headers = params["X-Amz-SignedHeaders"].split(";")
        provided = params["X-Amz-Signature"]
        amz_date_text = params["X-Amz-Date"]
        malformed = "AuthorizationQueryParametersError"
    else:
        try:
            parsed = AuthorizationHeader.parse(authorization)
        except AuthorizationMalformed as exc:
            raise SigV4Error(
                "AuthorizationHeaderMalformed", 400, f"The authorization header is malformed; {exc}"
            ) from None
        credential, signed_headers, provided = parsed.credential, parsed.signed_headers, parsed.signature
        amz_date_text = _first(headers, "x-amz-date")
        malformed = "AuthorizationHeaderMalformed"

    if credential.access_key not in secrets:
        raise SigV4Error(
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=credential.access_key,
        )
    if not amz_date_text:
        raise SigV4Error("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header")
    amz_date = _parse_amz_date(amz_date_text)
    if amz_date is None:
        raise SigV4Error("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header")
    if credential.date != amz_date_text[:8]:
        raise SigV4Error(
            malformed,
            400,
            f'Invalid credential date "{credential.date}". This date is not the same as X-Amz-Date: "{amz_date_text[:8]}".',
        )
    if credential.region != region:
        raise SigV4Error(
            malformed, 400, f"the region '{credential.region}' is wrong; expecting '{region}'", Region=region
        )
    if credential.service != service or credential.terminator != "aws4_request":
        raise SigV4Error(malformed, 400, f'The credential scope must end in "{service}/aws4_request".')
    if "host" not in signed_headers:
        raise SigV4Error(malformed, 400, "The host header must be signed.")

    if presigned:
        try:
            expires = int(params["X-Amz-Expires"])
        except ValueError:
            raise SigV4Error("AuthorizationQueryParametersError", 400, "X-Amz-Expires should be a number") from None
        if not 1 <= expires <= MAX_PRESIGN_EXPIRES:
            raise SigV4Error(
                "AuthorizationQueryParametersError", 400, "X-Amz-Expires must be between 1 and 604800 seconds"
            )
        if (now - amz_date).total_seconds() > expires:
            raise SigV4Error("AccessDenied", 403, "Request has expired", Expires=str(expires))
        if (amz_date - now).total_seconds() > MAX_SKEW_SECONDS:
            raise SigV4Error("AccessDenied", 403, "Request is not valid yet")
        payload_hash = _first(headers, "x-amz-content-sha256") or UNSIGNED_PAYLOAD
        signed_query = [(k, v) for k, v in query if k != "X-Amz-Signature"]
    else:
        if abs((now - amz_date).total_seconds()) > MAX_SKEW_SECONDS:
            raise SigV4Error(
                "RequestTimeTooSkewed",
                403,
                "The difference between the request time and the current time is too large.",
                RequestTime=amz_date_text,
                ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                MaxAllowedSkewMilliseconds=str(MAX_SKEW_SECONDS * 1000),
            )
        unsigned_amz = sorted(name for name in headers if name.startswith("x-amz-") and name not in signed_headers)
        if unsigned_amz:
            raise SigV4Error(
                "AccessDenied",
                403,
                "There were headers present in the request which were not signed",
                HeadersNotSigned=", ".join(unsigned_amz),
            )
        payload_hash = _first(headers, "x-amz-content-sha256")
        if not payload_hash:
            raise SigV4Error("InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256")
        signed_query = query

    if payload_hash in STREAMING_SIGNED:
        raise SigV4Error("NotImplemented", 501, f"The simulator does not implement x-amz-content-sha256 {payload_hash}")
    if payload_hash not in (UNSIGNED_PAYLOAD, STREAMING_UNSIGNED_TRAILER) and not _HEX64.match(payload_hash):
        raise SigV4Error(
            "InvalidArgument",
            400,
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.",
        )

    canonical = canonical_request(
        method=method,
        raw_path=raw_path,
        query=signed_query,
        headers=headers,
        signed_headers=signed_headers,
        payload_hash=payload_hash,
    )
    to_sign = string_to_sign(amz_date_text, credential.scope, canonical)
    expected = signature(
        signing_key(secrets[credential.access_key], credential.date, credential.region, credential.service), to_sign
    )
    if not signatures_match(expected, provided):
        raise SigV4Error(
            "SignatureDoesNotMatch",
            403,
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            AWSAccessKeyId=credential.access_key,
            StringToSign=to_sign,
            SignatureProvided=provided,
            CanonicalRequest=canonical,
        )
    if body is not None and _HEX64.match(payload_hash):
        computed = hashlib.sha256(body).hexdigest()
        if computed != payload_hash:
            raise SigV4Error(
                "XAmzContentSHA256Mismatch",
                400,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ClientComputedContentSHA256=payload_hash,
                S3ComputedContentSHA256=computed,
            )
    return Verified(credential.access_key, payload_hash, presigned)
