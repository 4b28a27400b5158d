"""The simulator's SigV4 verifier (sandbox/sigv4.py) against AWS's published examples: the
signing-key derivation example, `get-vanilla` from the SigV4 test suite, and the worked examples
of the S3 API reference (GET object with a Range, PUT object with a body, GET ?lifecycle, list
objects, a presigned URL). Each example is fed to `verify_request` as the request S3 would
receive, so the whole server-side check is proven, not only the HMAC chain; then one byte of the
request is changed and the verifier must refuse it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import sigv4

EMPTY = sigv4.EMPTY_SHA256
# The secrets of AWS's examples: the general test suite uses "+", the S3 examples "/".
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
S3_KEY = "AKIAIOSFODNN7EXAMPLE"
S3_TIME = datetime(2013, 5, 24, tzinfo=UTC)
S3_HOST = "examplebucket.s3.amazonaws.com"


def test_signing_key_derivation_example():
    # "Examples of how to derive a signing key for Signature Version 4" (20120215/us-east-1/iam)
    key = sigv4.signing_key(SUITE_SECRET, "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_get_vanilla_from_the_test_suite():
    canonical = sigv4.canonical_request(
        method="GET",
        raw_path="/",
        query=[],
        headers={"host": ["example.amazonaws.com"], "x-amz-date": ["20150830T123600Z"]},
        signed_headers=["host", "x-amz-date"],
        payload_hash=EMPTY,
    )
    assert canonical == (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EMPTY
    )
    to_sign = sigv4.string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical)
    assert to_sign == (
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    )
    key = sigv4.signing_key(SUITE_SECRET, "20150830", "us-east-1", "service")
    assert sigv4.signature(key, to_sign) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


def test_header_values_are_trimmed_and_spaces_collapsed():
    # get-header-value-trim: "my-header1: value1" and 'my-header2: "a   b   c"'
    canonical = sigv4.canonical_request(
        method="GET",
        raw_path="/",
        query=[],
        headers={
            "host": ["example.amazonaws.com"],
            "my-header1": [" value1"],
            "my-header2": [' "a   b   c"'],
            "x-amz-date": ["20150830T123600Z"],
        },
        signed_headers=["host", "my-header1", "my-header2", "x-amz-date"],
        payload_hash=EMPTY,
    )
    assert 'my-header1:value1\nmy-header2:"a b c"\n' in canonical


def _verify(method, path, query="", *, headers, body=b"", now=S3_TIME, secret=S3_SECRET, region="us-east-1"):
    return sigv4.verify_request(
        method=method,
        raw_path=path,
        raw_query=query,
        headers={k.lower(): [v] for k, v in headers.items()},
        body=body,
        secrets={S3_KEY: secret},
        region=region,
        now=now,
    )


def _authorization(signed: str, signature: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={S3_KEY}/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders={signed},Signature={signature}"
    )


GET_OBJECT = {
    "Host": S3_HOST,
    "Range": "bytes=0-9",
    "x-amz-content-sha256": EMPTY,
    "x-amz-date": "20130524T000000Z",
    "Authorization": _authorization(
        "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ),
}
PUT_BODY = b"Welcome to Amazon S3."
PUT_OBJECT = {
    "Host": S3_HOST,
    "Date": "Fri, 24 May 2013 00:00:00 GMT",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
    "Authorization": _authorization(
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    ),
}
LIFECYCLE = {
    "Host": S3_HOST,
    "x-amz-date": "20130524T000000Z",
    "x-amz-content-sha256": EMPTY,
    "Authorization": _authorization(
        "host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
    ),
}
LIST_OBJECTS = {
    **LIFECYCLE,
    "Authorization": _authorization(
        "host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    ),
}
PRESIGNED_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)


def test_s3_examples_are_accepted():
    assert hashlib.sha256(PUT_BODY).hexdigest() == PUT_OBJECT["x-amz-content-sha256"]
    assert _verify("GET", "/test.txt", headers=GET_OBJECT).access_key == S3_KEY
    assert (
        _verify("PUT", "/test%24file.text", headers=PUT_OBJECT, body=PUT_BODY).payload_hash
        == (PUT_OBJECT["x-amz-content-sha256"])
    )
    # a path decoded by the web server and encoded again gives the same canonical URI
    assert sigv4.canonical_uri("/test$file.text") == "/test%24file.text"
    assert _verify("GET", "/", "lifecycle", headers=LIFECYCLE)
    assert _verify("GET", "/", "max-keys=2&prefix=J", headers=LIST_OBJECTS)
    presigned = _verify("GET", "/test.txt", PRESIGNED_QUERY, headers={"Host": S3_HOST})
    assert presigned.presigned and presigned.payload_hash == sigv4.UNSIGNED_PAYLOAD


def _refused(code, *args, **kwargs) -> sigv4.SigV4Error:
    with pytest.raises(sigv4.SigV4Error) as info:
        _verify(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def test_any_change_to_a_signed_part_is_refused():
    error = _refused("SignatureDoesNotMatch", "GET", "/test.txt", headers={**GET_OBJECT, "Range": "bytes=0-99"})
    assert error.status == 403 and "range:bytes=0-99" in error.extra["CanonicalRequest"]
    _refused("SignatureDoesNotMatch", "GET", "/test.tx", headers=GET_OBJECT)
    _refused("SignatureDoesNotMatch", "GET", "/", "max-keys=3&prefix=J", headers=LIST_OBJECTS)
    _refused("SignatureDoesNotMatch", "DELETE", "/test.txt", headers=GET_OBJECT)
    _refused("SignatureDoesNotMatch", "GET", "/test.txt", headers=GET_OBJECT, secret=SUITE_SECRET)
    _refused(
        "SignatureDoesNotMatch",
        "PUT",
        "/test%24file.text",
        headers={**PUT_OBJECT, "x-amz-storage-class": "STANDARD"},
        body=PUT_BODY,
    )


def test_the_body_must_match_its_signed_hash():
    error = _refused(
        "XAmzContentSHA256Mismatch", "PUT", "/test%24file.text", headers=PUT_OBJECT, body=b"Welcome to Amazon S4."
    )
    assert error.status == 400


def test_clock_key_region_and_header_rules():
    _refused("RequestTimeTooSkewed", "GET", "/test.txt", headers=GET_OBJECT, now=S3_TIME + timedelta(minutes=16))
    assert _verify("GET", "/test.txt", headers=GET_OBJECT, now=S3_TIME + timedelta(minutes=14))
    with pytest.raises(sigv4.SigV4Error) as info:
        sigv4.verify_request(
            method="GET",
            raw_path="/test.txt",
            raw_query="",
            headers={k.lower(): [v] for k, v in GET_OBJECT.items()},
            body=b"",
            secrets={"OTHER": S3_SECRET},
            region="us-east-1",
            now=S3_TIME,
        )
    assert info.value.code == "InvalidAccessKeyId"
    assert _refused(
        "AuthorizationHeaderMalformed", "GET", "/test.txt", headers=GET_OBJECT, region="cn-north-1"
    ).extra == {"Region": "cn-north-1"}
    _refused("AccessDenied", "GET", "/test.txt", headers={"Host": S3_HOST})
    unsigned = _refused("AccessDenied", "GET", "/test.txt", headers={**GET_OBJECT, "x-amz-meta-extra": "1"})
    assert unsigned.extra["HeadersNotSigned"] == "x-amz-meta-extra"
    no_hash = {k: v for k, v in GET_OBJECT.items() if k != "x-amz-content-sha256"}
    _refused("InvalidRequest", "GET", "/test.txt", headers=no_hash)
    _refused(
        "AuthorizationHeaderMalformed",
        "GET",
        "/test.txt",
        headers={**GET_OBJECT, "Authorization": "AWS4-HMAC-SHA256 Credential=x"},
    )


def test_presigned_urls_expire_and_are_bound_to_their_query():
    _refused(
        "AccessDenied",
        "GET",
        "/test.txt",
        PRESIGNED_QUERY,
        headers={"Host": S3_HOST},
        now=S3_TIME + timedelta(days=1, seconds=1),
    )
    _refused(
        "SignatureDoesNotMatch",
        "GET",
        "/test.txt",
        PRESIGNED_QUERY.replace("86400", "86401"),
        headers={"Host": S3_HOST},
    )
    _refused(
        "AuthorizationQueryParametersError",
        "GET",
        "/test.txt",
        PRESIGNED_QUERY.split("&X-Amz-Signature")[0],
        headers={"Host": S3_HOST},
    )
