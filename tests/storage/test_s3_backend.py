"""app/storage/s3.py through real boto3 over HTTP to the S3 simulator (sandbox/s3.py), which
verifies every signature and checksum: round trip, refused credentials, outages and retries,
corruption on the way in and at rest, encryption headers, the production settings check."""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests

from app.storage import SealedStorage, StorageError, StorageUnavailable, get_backend, get_storage
from app.storage.s3 import S3Settings, S3Storage
from sandbox import s3 as sim

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def storage(sandbox, **overrides) -> S3Storage:
    settings = {
        "bucket": sim.BUCKET,
        "region": sim.REGION,
        "endpoint_url": sandbox.s3_url,
        "access_key_id": sim.ACCESS_KEY,
        "secret_access_key": sim.SECRET_KEY,
        "max_attempts": 2,
        **overrides,
    }
    return S3Storage(S3Settings(**settings))


def codes(sandbox, n: int) -> list:
    return [call["code"] for call in sandbox.s3_calls(limit=n)][::-1]


def test_round_trip_with_content_type_and_checksums(sandbox, bucket):
    store = storage(sandbox, prefix="zsb/uploads")
    store.put("cases/7/0/abc.pdf", PDF, content_type="application/pdf")
    obj = bucket.objects()["zsb/uploads/cases/7/0/abc.pdf"]
    assert obj.data == PDF and obj.content_type == "application/pdf"
    assert obj.etag == hashlib.md5(PDF).hexdigest()
    assert obj.checksums == {"sha256": base64.b64encode(hashlib.sha256(PDF).digest()).decode()}
    assert store.exists("cases/7/0/abc.pdf") and not store.exists("cases/7/0/other.pdf")
    assert store.get("cases/7/0/abc.pdf") == PDF
    assert b"".join(store.stream("cases/7/0/abc.pdf", chunk_size=7)) == PDF
    store.delete("cases/7/0/abc.pdf")
    assert not store.exists("cases/7/0/abc.pdf") and bucket.objects() == {}
    store.delete("cases/7/0/abc.pdf")  # deleting what is gone is fine, as on S3
    with pytest.raises(StorageError) as info:
        store.get("cases/7/0/abc.pdf")
    assert not isinstance(info.value, StorageUnavailable)


def test_keys_are_checked_before_anything_is_sent(sandbox, bucket):
    for key in ("../x", "a b", ""):
        with pytest.raises(StorageError):
            storage(sandbox).put(key, PDF, content_type="application/pdf")
    assert bucket.objects() == {}


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"secret_access_key": "not-the-secret"}, "SignatureDoesNotMatch"),
        ({"access_key_id": "AKIANOBODY0000000000"}, "InvalidAccessKeyId"),
        ({"bucket": "no-such-bucket"}, "NoSuchBucket"),
    ],
)
def test_refusals_are_storage_unavailable_and_store_nothing(sandbox, bucket, overrides, code):
    with pytest.raises(StorageUnavailable) as info:
        storage(sandbox, **overrides).put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    assert info.value.http_status == 503 and info.value.error == "STORAGE_UNAVAILABLE"
    assert code in info.value.detail and "not-the-secret" not in info.value.detail
    assert info.value.message == "文件存储服务暂时不可用，请稍后重试"
    assert bucket.objects() == {}
    assert codes(sandbox, 1) == [code]


def test_outage_is_retried_then_reported_then_over(sandbox, bucket):
    store = storage(sandbox)  # two attempts per call
    bucket.fail_next("SlowDown", operation="PutObject", times=1)
    store.put("cases/1/0/a.pdf", PDF, content_type="application/pdf")  # botocore retried once
    assert codes(sandbox, 2) == ["SlowDown", None]
    bucket.fail_next("InternalError", times=2)
    with pytest.raises(StorageUnavailable):
        store.put("cases/1/0/b.pdf", PDF, content_type="application/pdf")
    assert codes(sandbox, 2) == ["InternalError", "InternalError"]
    assert set(bucket.objects()) == {"cases/1/0/a.pdf"}
    store.put("cases/1/0/b.pdf", PDF, content_type="application/pdf")  # the outage is over
    assert set(bucket.objects()) == {"cases/1/0/a.pdf", "cases/1/0/b.pdf"}
    bucket.fail_next("ServiceUnavailable", operation="GetObject", times=2)
    with pytest.raises(StorageUnavailable):
        store.get("cases/1/0/a.pdf")


def test_unreachable_endpoint_is_storage_unavailable(sandbox, bucket):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = storage(sandbox, endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1, connect_timeout=1)
    with pytest.raises(StorageUnavailable) as info:
        store.put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    assert "EndpointConnectionError" in info.value.detail


@pytest.mark.parametrize("payload_signing,code", [(True, "XAmzContentSHA256Mismatch"), (False, "BadDigest")])
def test_a_body_changed_in_transit_is_refused(sandbox, bucket, payload_signing, code):
    """With the body hash signed, the signature's payload hash catches it; with UNSIGNED-PAYLOAD
    the Content-MD5 / x-amz-checksum-sha256 we send do."""
    store = storage(sandbox, payload_signing=payload_signing, max_attempts=1)
    bucket.corrupt_next_upload()
    with pytest.raises(StorageUnavailable):
        store.put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    assert codes(sandbox, 1) == [code] and bucket.objects() == {}


@pytest.mark.parametrize("mode", ["sha256", "md5"])
def test_either_checksum_alone_catches_corruption(sandbox, bucket, mode):
    store = storage(sandbox, payload_signing=False, checksum=mode, max_attempts=1)
    store.put("cases/1/0/ok.pdf", PDF, content_type="application/pdf")
    assert set(bucket.objects()["cases/1/0/ok.pdf"].checksums) == ({"sha256"} if mode == "sha256" else set())
    bucket.corrupt_next_upload()
    with pytest.raises(StorageUnavailable):
        store.put("cases/1/0/bad.pdf", PDF, content_type="application/pdf")
    assert codes(sandbox, 1) == ["BadDigest"] and set(bucket.objects()) == {"cases/1/0/ok.pdf"}


def test_an_object_corrupted_at_rest_fails_its_read(sandbox, bucket):
    store = storage(sandbox)
    store.put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    bucket.corrupt_object("cases/1/0/a.pdf")
    with pytest.raises(StorageUnavailable) as info:
        store.get("cases/1/0/a.pdf")
    assert "FlexibleChecksumError" in info.value.detail


def test_server_side_encryption_headers(sandbox, bucket):
    storage(sandbox, sse="AES256").put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    assert bucket.objects()["cases/1/0/a.pdf"].sse == "AES256"
    # SSE-KMS: the ETag is not the MD5 of the data, and the put is still accepted
    store = storage(sandbox, sse="aws:kms", sse_kms_key_id="arn:aws:kms:cn-sandbox-1:000000000000:key/zsb")
    store.put("cases/1/0/b.pdf", PDF, content_type="application/pdf")
    obj = bucket.objects()["cases/1/0/b.pdf"]
    assert obj.sse == "aws:kms" and obj.sse_kms_key_id.endswith("key/zsb")
    assert obj.etag != hashlib.md5(PDF).hexdigest() and store.get("cases/1/0/b.pdf") == PDF


def test_get_storage_follows_the_configuration(sandbox_app, s3_storage, sandbox):
    # get_storage() seals what it stores (issue 15) around the configured backend, get_backend()
    with sandbox_app.app_context():
        store = get_backend()
        assert isinstance(store, S3Storage) and get_backend() is store  # one client per settings
        assert isinstance(get_storage(), SealedStorage) and get_storage().backend is store
        sandbox_app.config["S3_SECRET_ACCESS_KEY"] = "changed"
        assert get_backend() is not store and get_backend().settings.secret_access_key == "changed"
        sandbox_app.config["S3_BUCKET"] = ""
        with pytest.raises(StorageUnavailable):
            get_storage()
        sandbox_app.config["STORAGE_BACKEND"] = "local"
        assert not isinstance(get_backend(), S3Storage)


def test_production_names_the_missing_s3_settings():
    from app import create_app
    from tests.test_config import GOOD

    with pytest.raises(RuntimeError) as info:
        create_app("production", **GOOD, STORAGE_BACKEND="s3", S3_BUCKET="", S3_ACCESS_KEY_ID="")
    message = str(info.value)
    assert "S3_BUCKET must name the bucket" in message and "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in message
    with pytest.raises(RuntimeError, match="must use https in production"):
        create_app(
            "production",
            **GOOD,
            STORAGE_BACKEND="s3",
            S3_BUCKET="zsb",
            S3_ACCESS_KEY_ID="AK",
            S3_SECRET_ACCESS_KEY="SK",
            S3_ENDPOINT_URL="http://minio.internal:9000",
        )
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND must be local or s3"):
        create_app("production", **GOOD, STORAGE_BACKEND="ftp")
    app = create_app(
        "production",
        **GOOD,
        STORAGE_BACKEND="s3",
        S3_BUCKET="zsb",
        S3_ACCESS_KEY_ID="AK",
        S3_SECRET_ACCESS_KEY="SK",
        S3_ENDPOINT_URL="https://oss.example.cn",
    )
    assert app.config["STORAGE_BACKEND"] == "s3"


# ---------------------------------------------------------------- the simulator's own wire format


def test_unsigned_and_badly_signed_requests_get_s3_xml_errors(sandbox, bucket):
    url = f"{sandbox.s3_url}/{sim.BUCKET}/cases/1/0/a.pdf"
    resp = requests.get(url, timeout=5)
    assert resp.status_code == 403 and resp.headers["Content-Type"] == "application/xml"
    assert "<Code>AccessDenied</Code>" in resp.text and "<RequestId>" in resp.text
    client = storage(sandbox).client
    client.put_object(Bucket=sim.BUCKET, Key="k.txt", Body=b"x")
    presigned = client.generate_presigned_url("get_object", Params={"Bucket": sim.BUCKET, "Key": "k.txt"}, ExpiresIn=60)
    assert requests.get(presigned, timeout=5).content == b"x"
    tampered = requests.get(presigned.replace("k.txt", "k.txT"), timeout=5)
    assert tampered.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in tampered.text
    assert "<CanonicalRequest>GET\n/zsb-sandbox/k.txT" in tampered.text
    missing = client.generate_presigned_url("get_object", Params={"Bucket": sim.BUCKET, "Key": "nope"}, ExpiresIn=60)
    resp = requests.get(missing, timeout=5)
    assert (
        resp.status_code == 404
        and "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>nope</Key>" in resp.text
    )


def test_content_md5_mismatch_is_bad_digest(sandbox, bucket):
    from botocore.exceptions import ClientError

    client = storage(sandbox).client
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as info:
        client.put_object(Bucket=sim.BUCKET, Key="k.txt", Body=b"x", ContentMD5=wrong)
    assert info.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError) as info:
        client.put_object(Bucket=sim.BUCKET, Key="k.txt", Body=b"x", ChecksumSHA256=wrong)
    assert info.value.response["Error"]["Code"] == "BadDigest" and bucket.objects() == {}


def test_buckets_and_listing(sandbox, bucket):
    from botocore.exceptions import ClientError

    client = storage(sandbox).client
    client.create_bucket(Bucket="zsb-extra")
    client.head_bucket(Bucket="zsb-extra")
    with pytest.raises(ClientError) as info:
        client.create_bucket(Bucket="zsb-extra")
    assert info.value.response["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    for name in ("a/1", "a/2", "a/3", "b/1"):
        client.put_object(Bucket=sim.BUCKET, Key=name, Body=name.encode())
    page = client.list_objects_v2(Bucket=sim.BUCKET, Prefix="a/", MaxKeys=2)
    assert [o["Key"] for o in page["Contents"]] == ["a/1", "a/2"] and page["IsTruncated"]
    rest = client.list_objects_v2(Bucket=sim.BUCKET, Prefix="a/", ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["a/3"] and not rest["IsTruncated"]
    part = client.get_object(Bucket=sim.BUCKET, Key="b/1", Range="bytes=1-2")
    assert part["Body"].read() == b"/1" and part["ContentRange"] == "bytes 1-2/3"


def test_keys_needing_encoding_are_signed_and_stored_as_sent(sandbox, bucket):
    """The canonical URI is the S3 one (each byte outside A-Za-z0-9-_.~/ percent-encoded once):
    the signature of boto3's request must verify for keys with spaces, '+', '$', '=' and CJK."""
    client = storage(sandbox).client
    for key in ("dir/a b+c.txt", "材料/身份证 复印件.pdf", "x$&=,;:@!'()*.bin", "a//double/slash"):
        client.put_object(Bucket=sim.BUCKET, Key=key, Body=key.encode())
        assert client.get_object(Bucket=sim.BUCKET, Key=key)["Body"].read() == key.encode()
    assert sorted(bucket.objects()) == sorted(
        ["dir/a b+c.txt", "材料/身份证 复印件.pdf", "x$&=,;:@!'()*.bin", "a//double/slash"]
    )
    listed = client.list_objects_v2(Bucket=sim.BUCKET, Prefix="材料/")
    assert [o["Key"] for o in listed["Contents"]] == ["材料/身份证 复印件.pdf"]
    # listings come URL-encoded (encoding-type=url, as boto3 asks) and decode to the keys stored
    listed = client.list_objects_v2(Bucket=sim.BUCKET, Prefix="dir/a b+")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a b+c.txt"] and listed["Prefix"] == "dir/a b+"


def test_a_store_whose_clock_is_off_refuses_and_that_is_unavailable(sandbox, bucket):
    import time

    bucket.clock = lambda: time.time() + 3600
    try:
        with pytest.raises(StorageUnavailable) as info:
            storage(sandbox, max_attempts=1).put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    finally:
        bucket.clock = time.time
    assert "RequestTimeTooSkewed" in info.value.detail and bucket.objects() == {}
