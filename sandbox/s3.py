"""S3-compatible object storage simulator: the S3 REST API's wire format, path-style addressing.

Every request is authenticated like S3 does it (sandbox/sigv4.py): AWS Signature Version 4 in the
Authorization header or a presigned URL — canonical request, string to sign, derived signing key —
with the access key known, the credential scope's date, region and service right, the clock within
15 minutes, every x-amz-* header signed, and x-amz-content-sha256 one of: the hex SHA-256 of the
body (checked: XAmzContentSHA256Mismatch), UNSIGNED-PAYLOAD, or STREAMING-UNSIGNED-PAYLOAD-TRAILER
(an aws-chunked body whose trailing checksum is checked — boto3 sends that over TLS). Errors come
as S3's XML `<Error>` bodies (none for HEAD), with S3's codes: SignatureDoesNotMatch (with the
StringToSign and CanonicalRequest the simulator computed), InvalidAccessKeyId, AccessDenied,
RequestTimeTooSkewed, NoSuchBucket, NoSuchKey, BadDigest, InvalidDigest, ...

Operations: CreateBucket (PUT /b), HeadBucket (HEAD /b), ListObjectsV2 (GET /b?list-type=2 with
prefix, max-keys, continuation-token, start-after), PutObject (PUT /b/k: Content-Type, Content-MD5,
x-amz-checksum-{crc32,sha1,sha256} verified → BadDigest; x-amz-meta-*; x-amz-server-side-encryption
AES256 | aws:kms (+ key id) — as on S3, the ETag of an SSE-KMS object is not its MD5), GetObject
(GET /b/k, single Range, checksums returned with `x-amz-checksum-mode: ENABLED`), HeadObject,
DeleteObject (204, also for a missing key). Anything else: 501 NotImplemented.

Controls under `/_sandbox` (bucket names cannot start with "_"):
- `POST /_sandbox/fail-next` `{"code"?: "SlowDown"|"InternalError"|"ServiceUnavailable"|...,
  "operation"?: "PutObject"|..., "times"?: 1}` — the next matching requests fail with that error
  (before authentication, like a throttling front end).
- `POST /_sandbox/corrupt-next-upload` `{"times"?: 1}` — flip one byte of the next uploaded body
  as it arrives (a transfer error: the payload hash / checksums must catch it).
- `POST /_sandbox/corrupt` `{"bucket", "key"}` — flip one byte of a stored object, keeping its
  recorded checksums (bit rot: a GET with checksum mode must catch it).
- `GET  /_sandbox/objects?bucket=` — what is stored; `GET /_sandbox/calls?limit=50` — recent calls.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from urllib.parse import quote_plus, unquote
from xml.sax.saxutils import escape

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from sandbox import sigv4
from sandbox.common import CallLog

ACCESS_KEY = "ZSBSANDBOXS3KEY00001"
SECRET_KEY = "sandbox/s3+secret/key/00000000000000000"  # noqa: S105 - a simulator's public value
REGION = "cn-sandbox-1"
BUCKET = "zsb-sandbox"

ERRORS = {
    "AccessDenied": (403, "Access Denied"),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BucketAlreadyOwnedByYou": (
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    ),
    "IncompleteBody": (400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "InvalidArgument": (400, "Invalid Argument"),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidAccessKeyId": (403, "The AWS Access Key Id you provided does not exist in our records."),
    "InvalidRange": (416, "The requested range is not satisfiable"),
    "InvalidRequest": (400, "Invalid Request"),
    "KeyTooLongError": (400, "Your key is too long"),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "NoSuchBucket": (404, "The specified bucket does not exist"),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented"),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the current time is too large."),
    "ServiceUnavailable": (503, "Service is unable to handle request."),
    "SignatureDoesNotMatch": (403, "The request signature we calculated does not match the signature you provided."),
    "SlowDown": (503, "Please reduce your request rate."),
    "XAmzContentSHA256Mismatch": (400, "The provided 'x-amz-content-sha256' header does not match what was computed."),
}
CHECKSUMS = {
    "crc32": lambda data: zlib.crc32(data).to_bytes(4, "big"),
    "sha1": lambda data: hashlib.sha1(data).digest(),  # noqa: S324 - S3's checksum algorithm, not security
    "sha256": lambda data: hashlib.sha256(data).digest(),
}
UNSUPPORTED_CHECKSUMS = ("crc32c", "crc64nvme")
SSE_VALUES = ("AES256", "aws:kms", "aws:kms:dsse")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class S3Error(Exception):
    def __init__(self, code: str, message: str | None = None, *, status: int | None = None, **extra: str):
        default_status, default_message = ERRORS.get(code, (400, code))
        super().__init__(message or default_message)
        self.code = code
        self.status = status or default_status
        self.message = message or default_message
        self.extra = extra


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    etag: str
    last_modified: float
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> base64
    metadata: dict[str, str] = field(default_factory=dict)
    sse: str | None = None
    sse_kms_key_id: str | None = None


@dataclass
class ScriptedFailure:
    code: str
    operation: str = ""
    times: int = 1


class S3State:
    """Buckets and objects in memory, the known credentials, scripted failures and the call log."""

    def __init__(
        self,
        *,
        credentials: dict[str, str] | None = None,
        region: str = REGION,
        buckets: tuple[str, ...] = (BUCKET,),
        clock: Callable[[], float] = time.time,
    ):
        self.credentials = dict(credentials or {ACCESS_KEY: SECRET_KEY})
        self.region = region
        self.clock = clock
        self.lock = threading.Lock()
        self.buckets: dict[str, dict[str, StoredObject]] = {name: {} for name in buckets}
        self.failures: list[ScriptedFailure] = []
        self.corrupt_uploads = 0
        self.calls = CallLog()

    # ------------------------------------------------------------ test hooks
    def fail_next(self, code: str = "SlowDown", *, operation: str = "", times: int = 1) -> None:
        if code not in ERRORS:
            raise ValueError(f"unknown S3 error code {code!r}")
        with self.lock:
            self.failures.append(ScriptedFailure(code, operation, max(1, int(times))))

    def clear_failures(self) -> None:
        with self.lock:
            self.failures.clear()
            self.corrupt_uploads = 0

    def corrupt_next_upload(self, times: int = 1) -> None:
        with self.lock:
            self.corrupt_uploads += max(1, int(times))

    def corrupt_object(self, key: str, bucket: str = BUCKET) -> None:
        with self.lock:
            obj = self.buckets[bucket][key]
            obj.data = obj.data[:-1] + bytes([obj.data[-1] ^ 0x01])

    def objects(self, bucket: str = BUCKET) -> dict[str, StoredObject]:
        with self.lock:
            return dict(self.buckets.get(bucket, {}))

    def _take_failure(self, operation: str) -> str | None:
        with self.lock:
            for rule in self.failures:
                if rule.operation in ("", operation):
                    rule.times -= 1
                    if rule.times <= 0:
                        self.failures.remove(rule)
                    return rule.code
        return None

    def _take_corruption(self) -> bool:
        with self.lock:
            if self.corrupt_uploads > 0:
                self.corrupt_uploads -= 1
                return True
        return False


# ---------------------------------------------------------------- wire helpers


def _request_id() -> str:
    return secrets.token_hex(8).upper()


def _base_headers(request_id: str) -> Headers:
    return Headers(
        {
            "x-amz-request-id": request_id,
            "x-amz-id-2": base64.b64encode(secrets.token_bytes(24)).decode(),
            "Server": "AmazonS3",
            "Date": formatdate(usegmt=True),
        }
    )


def _error_response(error: S3Error, *, resource: str, request_id: str, head: bool) -> Response:
    headers = _base_headers(request_id)
    if head:  # S3 answers HEAD errors with the status only
        return Response(b"", status=error.status, headers=headers)
    extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in error.extra.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{error.code}</Code><Message>{escape(error.message)}</Message>{extra}"
        f"<Resource>{escape(resource)}</Resource><RequestId>{request_id}</RequestId>"
        f"<HostId>{headers['x-amz-id-2']}</HostId></Error>"
    )
    return Response(body.encode(), status=error.status, headers=headers, content_type="application/xml")


def _raw_path_and_query(request: Request) -> tuple[str, str]:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
        if "://" in path:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path or "/", query
    return request.environ.get("PATH_INFO", "/"), request.environ.get("QUERY_STRING", "")


def _headers(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        out.setdefault(name.lower(), []).append(value)
    return out


def _operation(method: str, bucket: str, key: str, query: dict[str, str]) -> str:
    if not bucket:
        return "ListBuckets" if method == "GET" else "Unknown"
    if not key:
        if method == "PUT" and not query:
            return "CreateBucket"
        if method == "HEAD":
            return "HeadBucket"
        if method == "GET" and query.get("list-type") == "2":
            return "ListObjectsV2"
        if method == "DELETE" and not query:
            return "DeleteBucket"
        return "Unknown"
    if query.keys() - {"x-id"} - {k for k in query if k.startswith("X-Amz-")}:
        return "Unknown"  # sub-resources: ?uploads, ?tagging, ?acl, ...
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
        method, "Unknown"
    )


def _decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """An aws-chunked body with unsigned chunks: `<hex size>\\r\\n<data>\\r\\n`..., then `0\\r\\n`,
    trailer lines `name:value\\r\\n` and an empty line."""
    data = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise S3Error("IncompleteBody", "The aws-chunked body ended inside a chunk header.")
        size_text = body[pos:end].split(b";", 1)[0]
        try:
            size = int(size_text, 16)
        except ValueError:
            raise S3Error("InvalidRequest", "Malformed aws-chunked chunk size.") from None
        pos = end + 2
        if size == 0:
            break
        chunk = body[pos : pos + size]
        if len(chunk) != size or body[pos + size : pos + size + 2] != b"\r\n":
            raise S3Error("IncompleteBody")
        data += chunk
        pos += size + 2
    trailers: dict[str, str] = {}
    for line in body[pos:].split(b"\r\n"):
        if not line:
            continue
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise S3Error("InvalidRequest", "Malformed aws-chunked trailer.")
        trailers[name.strip().lower()] = value.strip()
    return bytes(data), trailers


def _http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def _object_headers(obj: StoredObject, headers: Headers, *, with_checksums: bool) -> None:
    headers["ETag"] = f'"{obj.etag}"'
    headers["Last-Modified"] = _http_date(obj.last_modified)
    headers["Content-Type"] = obj.content_type
    headers["Accept-Ranges"] = "bytes"
    for name, value in obj.metadata.items():
        headers[f"x-amz-meta-{name}"] = value
    if obj.sse:
        headers["x-amz-server-side-encryption"] = obj.sse
        if obj.sse_kms_key_id:
            headers["x-amz-server-side-encryption-aws-kms-key-id"] = obj.sse_kms_key_id
    if with_checksums and obj.checksums:
        for algorithm, value in obj.checksums.items():
            headers[f"x-amz-checksum-{algorithm}"] = value
        headers["x-amz-checksum-type"] = "FULL_OBJECT"


# ---------------------------------------------------------------- operations


def _bucket(state: S3State, name: str) -> dict[str, StoredObject]:
    objects = state.buckets.get(name)
    if objects is None:
        raise S3Error("NoSuchBucket", BucketName=name)
    return objects


def _put_object(state: S3State, request: Request, bucket: str, key: str, body: bytes, verified, hdrs) -> Response:
    if "x-amz-copy-source" in hdrs:
        raise S3Error("NotImplemented", "CopyObject is not implemented by the simulator")
    if len(key.encode()) > 1024:
        raise S3Error("KeyTooLongError")
    content_encoding = [v.strip() for v in request.headers.get("Content-Encoding", "").split(",") if v.strip()]
    trailers: dict[str, str] = {}
    if verified.payload_hash == sigv4.STREAMING_UNSIGNED_TRAILER:
        if "aws-chunked" not in content_encoding:
            raise S3Error(
                "InvalidArgument", "STREAMING-UNSIGNED-PAYLOAD-TRAILER requires Content-Encoding: aws-chunked"
            )
        body, trailers = _decode_aws_chunked(body)
        declared = request.headers.get("x-amz-decoded-content-length")
        if declared is None:
            raise S3Error("MissingContentLength", "x-amz-decoded-content-length is required")
        if int(declared) != len(body):
            raise S3Error("IncompleteBody")
        content_encoding = [v for v in content_encoding if v != "aws-chunked"]
        for name in filter(None, (v.strip().lower() for v in request.headers.get("x-amz-trailer", "").split(","))):
            if name not in trailers:
                raise S3Error("InvalidRequest", f"The trailer {name} was declared but not sent.")
    elif request.content_length is not None and request.content_length != len(body):
        raise S3Error("IncompleteBody")

    md5 = hashlib.md5(body).digest()  # noqa: S324 - S3's ETag / Content-MD5, not security
    if "Content-MD5" in request.headers:
        try:
            sent = base64.b64decode(request.headers["Content-MD5"], validate=True)
        except (binascii.Error, ValueError):
            sent = b""
        if len(sent) != 16:
            raise S3Error("InvalidDigest")
        if sent != md5:
            raise S3Error(
                "BadDigest",
                ExpectedDigest=request.headers["Content-MD5"],
                CalculatedDigest=base64.b64encode(md5).decode(),
            )
    checksums: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, value in request.headers.items():
        lname = name.lower()
        if lname.startswith("x-amz-checksum-") and lname not in ("x-amz-checksum-type", "x-amz-checksum-mode"):
            sources[lname[len("x-amz-checksum-") :]] = value
    for name, value in trailers.items():
        if name.startswith("x-amz-checksum-"):
            sources[name[len("x-amz-checksum-") :]] = value
    for algorithm, value in sources.items():
        if algorithm in UNSUPPORTED_CHECKSUMS:
            raise S3Error("NotImplemented", f"The simulator does not compute {algorithm.upper()} checksums")
        if algorithm not in CHECKSUMS:
            raise S3Error("InvalidRequest", f"Unknown checksum header x-amz-checksum-{algorithm}")
        computed = base64.b64encode(CHECKSUMS[algorithm](body)).decode()
        if value != computed:
            raise S3Error("BadDigest", f"The {algorithm.upper()} you specified did not match the calculated checksum.")
        checksums[algorithm] = computed
    declared_algorithm = request.headers.get("x-amz-sdk-checksum-algorithm")
    if declared_algorithm and declared_algorithm.lower() not in checksums:
        raise S3Error("InvalidRequest", f"x-amz-sdk-checksum-algorithm {declared_algorithm} given without its checksum")

    sse = request.headers.get("x-amz-server-side-encryption")
    kms_key = request.headers.get("x-amz-server-side-encryption-aws-kms-key-id")
    if sse is not None and sse not in SSE_VALUES:
        raise S3Error(
            "InvalidArgument",
            "The encryption method specified is not supported",
            ArgumentName="x-amz-server-side-encryption",
            ArgumentValue=sse,
        )
    if kms_key and not (sse or "").startswith("aws:kms"):
        raise S3Error(
            "InvalidArgument",
            "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms",
        )
    if sse and sse.startswith("aws:kms") and not kms_key:
        kms_key = f"arn:aws:kms:{state.region}:000000000000:key/sandbox-default"
    obj = StoredObject(
        data=body,
        content_type=request.headers.get("Content-Type") or "binary/octet-stream",
        # As on S3: the ETag of an SSE-KMS object is not the MD5 of its data.
        etag=secrets.token_hex(16) if (sse or "").startswith("aws:kms") else md5.hex(),
        last_modified=float(int(state.clock())),
        checksums=checksums,
        metadata={
            name.lower()[len("x-amz-meta-") :]: value
            for name, value in request.headers.items()
            if name.lower().startswith("x-amz-meta-")
        },
        sse=sse,
        sse_kms_key_id=kms_key if sse else None,
    )
    with state.lock:
        _bucket(state, bucket)[key] = obj
    headers = Headers({"ETag": f'"{obj.etag}"'})
    for algorithm, value in checksums.items():
        headers[f"x-amz-checksum-{algorithm}"] = value
    if checksums:
        headers["x-amz-checksum-type"] = "FULL_OBJECT"
    if obj.sse:
        headers["x-amz-server-side-encryption"] = obj.sse
        if obj.sse_kms_key_id:
            headers["x-amz-server-side-encryption-aws-kms-key-id"] = obj.sse_kms_key_id
    return Response(b"", status=200, headers=headers)


def _get_object(state: S3State, request: Request, bucket: str, key: str, *, head: bool) -> Response:
    with state.lock:
        obj = _bucket(state, bucket).get(key)
    if obj is None:
        raise S3Error("NoSuchKey", Key=key)
    headers = Headers()
    data, status = obj.data, 200
    range_header = request.headers.get("Range")
    match = RANGE.match(range_header or "")
    if range_header and match:
        first, last = match.groups()
        size = len(obj.data)
        if first == "":
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start >= size or start > end:
            raise S3Error("InvalidRange", RangeRequested=range_header, ActualObjectSize=str(size))
        data, status = obj.data[start : end + 1], 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    checksum_mode = (request.headers.get("x-amz-checksum-mode") or "").upper() == "ENABLED"
    _object_headers(obj, headers, with_checksums=checksum_mode and status == 200)
    headers["Content-Length"] = str(len(data))
    response = Response(b"" if head else data, status=status, headers=headers)
    if head:
        response.headers["Content-Length"] = str(len(data))
    return response


def _list_objects_v2(state: S3State, request: Request, bucket: str) -> Response:
    args = request.args
    prefix = args.get("prefix", "")
    try:
        max_keys = max(0, min(1000, int(args.get("max-keys", "1000"))))
    except ValueError:
        raise S3Error("InvalidArgument", "max-keys must be an integer") from None
    token = args.get("continuation-token")
    after = args.get("start-after", "")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, ValueError):
            raise S3Error("InvalidArgument", "The continuation token provided is incorrect") from None
    with state.lock:
        keys = sorted(k for k in _bucket(state, bucket) if k.startswith(prefix) and k > after)
        objects = state.buckets[bucket]
        page = [(k, objects[k]) for k in keys[:max_keys]]
    truncated = len(keys) > max_keys
    url_encoded = args.get("encoding-type") == "url"  # boto3 asks for it and decodes (unquote_plus)

    def out(value: str) -> str:
        return escape(quote_plus(value, safe="/") if url_encoded else value)

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        f"<Name>{escape(bucket)}</Name><Prefix>{out(prefix)}</Prefix><KeyCount>{len(page)}</KeyCount>",
        f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>",
    ]
    if token:
        parts.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
    if truncated and page:
        parts.append(
            f"<NextContinuationToken>{base64.urlsafe_b64encode(page[-1][0].encode()).decode()}</NextContinuationToken>"
        )
    for key, obj in page:
        modified = datetime.fromtimestamp(obj.last_modified, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        parts.append(
            f"<Contents><Key>{out(key)}</Key><LastModified>{modified}</LastModified>"
            f"<ETag>&quot;{obj.etag}&quot;</ETag><Size>{len(obj.data)}</Size><StorageClass>STANDARD</StorageClass></Contents>"
        )
    if url_encoded:
        parts.append("<EncodingType>url</EncodingType>")
    parts.append("</ListBucketResult>")
    return Response("".join(parts).encode(), status=200, content_type="application/xml")


def _create_bucket(state: S3State, bucket: str) -> Response:
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise S3Error("InvalidBucketName", BucketName=bucket)
    with state.lock:
        if bucket in state.buckets:
            raise S3Error("BucketAlreadyOwnedByYou", BucketName=bucket)
        state.buckets[bucket] = {}
    return Response(b"", status=200, headers={"Location": f"/{bucket}"})


def handle(state: S3State, request: Request) -> tuple[Response, str]:
    """One S3 API request → (response, operation name)."""
    request_id = _request_id()
    raw_path, raw_query = _raw_path_and_query(request)
    path = unquote(raw_path)
    bucket, _, key = path.lstrip("/").partition("/")
    method = request.method.upper()
    head = method == "HEAD"
    operation = _operation(method, bucket, key, request.args.to_dict())
    resource = path
    try:
        body = request.get_data(cache=True)  # always read: the connection is kept alive
        scripted = state._take_failure(operation)
        if scripted:
            raise S3Error(scripted)
        headers = _headers(request)
        try:
            verified = sigv4.verify_request(
                method=method,
                raw_path=raw_path,
                raw_query=raw_query,
                headers=headers,
                body=None,
                secrets=state.credentials,
                region=state.region,
                now=datetime.fromtimestamp(state.clock(), UTC),
            )
        except sigv4.SigV4Error as exc:
            raise S3Error(exc.code, exc.message, status=exc.status, **exc.extra) from None
        if operation == "PutObject" and body and state._take_corruption():
            # flip a data byte: the first one of an aws-chunked body, else the last one
            at = body.find(b"\r\n") + 2 if verified.payload_hash == sigv4.STREAMING_UNSIGNED_TRAILER else len(body) - 1
            body = body[:at] + bytes([body[at] ^ 0x01]) + body[at + 1 :]
        if len(verified.payload_hash) == 64:
            computed = hashlib.sha256(body).hexdigest()
            if computed != verified.payload_hash:
                raise S3Error(
                    "XAmzContentSHA256Mismatch",
                    ClientComputedContentSHA256=verified.payload_hash,
                    S3ComputedContentSHA256=computed,
                )
        if operation == "PutObject":
            response = _put_object(state, request, bucket, key, body, verified, headers)
        elif operation in ("GetObject", "HeadObject"):
            response = _get_object(state, request, bucket, key, head=head)
        elif operation == "DeleteObject":
            with state.lock:
                _bucket(state, bucket).pop(key, None)
            response = Response(b"", status=204)
        elif operation == "CreateBucket":
            response = _create_bucket(state, bucket)
        elif operation == "HeadBucket":
            with state.lock:
                _bucket(state, bucket)
            response = Response(b"", status=200, headers={"x-amz-bucket-region": state.region})
        elif operation == "ListObjectsV2":
            response = _list_objects_v2(state, request, bucket)
        else:
            raise S3Error(
                "NotImplemented", f"The simulator does not implement {method} {resource} ({raw_query or 'no query'})"
            )
    except S3Error as exc:
        return _error_response(exc, resource=resource, request_id=request_id, head=head), operation
    for name, value in _base_headers(request_id).items():
        response.headers.setdefault(name, value)
    return response, operation


# ---------------------------------------------------------------- controls and the WSGI app


def _json(payload, status: int = 200) -> Response:
    import json

    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json")


def _controls(state: S3State, request: Request) -> Response:
    import json

    path = request.path[len("/_sandbox") :]
    try:
        payload = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
        if not isinstance(payload, dict):
            raise ValueError("a JSON object is expected")
        if request.method == "POST" and path == "/fail-next":
            state.fail_next(
                payload.get("code", "SlowDown"), operation=payload.get("operation", ""), times=payload.get("times", 1)
            )
            return _json({"ok": True})
        if request.method == "POST" and path == "/corrupt-next-upload":
            state.corrupt_next_upload(int(payload.get("times", 1)))
            return _json({"ok": True})
        if request.method == "POST" and path == "/corrupt":
            state.corrupt_object(payload["key"], payload.get("bucket", BUCKET))
            return _json({"ok": True})
        if request.method == "POST" and path == "/clear":
            state.clear_failures()
            return _json({"ok": True})
        if request.method == "GET" and path == "/objects":
            objects = state.objects(request.args.get("bucket", BUCKET))
            return _json(
                {
                    "items": [
                        {
                            "key": k,
                            "size": len(o.data),
                            "content_type": o.content_type,
                            "etag": o.etag,
                            "checksums": o.checksums,
                            "sse": o.sse,
                        }
                        for k, o in sorted(objects.items())
                    ]
                }
            )
        if request.method == "GET" and path == "/calls":
            return _json({"items": state.calls.recent(int(request.args.get("limit", 50)))})
    except (KeyError, ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json({"error": "unknown control"}, 404)


def create_s3_sandbox(state: S3State):
    """The WSGI app of the simulator."""

    def app(environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            return _controls(state, request)(environ, start_response)
        response, operation = handle(state, request)
        code = None
        if response.status_code >= 300 and response.mimetype == "application/xml":
            match = re.search(rb"<Code>([^<]+)</Code>", response.get_data())
            code = match.group(1).decode() if match else None
        state.calls.record(
            {
                "at": round(time.time(), 3),
                "method": request.method,
                "path": request.path,
                "operation": operation,
                "status": response.status_code,
                "code": code,
            }
        )
        return response(environ, start_response)

    return app
