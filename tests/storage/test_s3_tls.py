"""Over TLS boto3 stops signing the body unless told to: with checksums in headers it sends
UNSIGNED-PAYLOAD, and without them (its own default) an aws-chunked body with a CRC32 trailer
(STREAMING-UNSIGNED-PAYLOAD-TRAILER). The simulator served over HTTPS must accept both forms and
still catch a changed body through the checksums alone."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import ssl
import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from app.storage import StorageUnavailable
from app.storage.s3 import S3Settings, S3Storage
from sandbox import s3 as sim
from sandbox.common import QuietRequestHandler

PDF = b"%PDF-1.4\n" + b"0" * 70000 + b"\n%%EOF\n"  # more than one aws-chunked chunk


@pytest.fixture(scope="module")
def tls_s3(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    state = sim.S3State()
    server = make_server(
        "127.0.0.1",
        0,
        sim.create_s3_sandbox(state),
        threaded=True,
        request_handler=QuietRequestHandler,
        ssl_context=context,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"https://127.0.0.1:{server.server_port}", str(cert_path)
    server.shutdown()
    server.server_close()


def _codes(state, n):
    return [call["code"] for call in state.calls.recent(n)][::-1]


def test_botocore_default_streaming_trailer_is_decoded_and_checked(tls_s3):
    state, url, ca = tls_s3
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name=sim.REGION,
        aws_access_key_id=sim.ACCESS_KEY,
        aws_secret_access_key=sim.SECRET_KEY,
        verify=ca,
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
    )
    sent = []
    client.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))
    client.put_object(Bucket=sim.BUCKET, Key="trailer.pdf", Body=PDF, ContentType="application/pdf")
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in sent[-1].items()}
    assert headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert headers["content-encoding"] == "aws-chunked" and headers["x-amz-trailer"] == "x-amz-checksum-crc32"
    obj = state.objects()["trailer.pdf"]
    assert obj.data == PDF and set(obj.checksums) == {"crc32"} and obj.content_type == "application/pdf"
    state.corrupt_next_upload()
    with pytest.raises(ClientError) as info:
        client.put_object(Bucket=sim.BUCKET, Key="bad.pdf", Body=PDF)
    assert info.value.response["Error"]["Code"] == "BadDigest" and "bad.pdf" not in state.objects()


@pytest.mark.parametrize("signing,code", [(True, "XAmzContentSHA256Mismatch"), (False, "BadDigest")])
def test_the_backend_over_tls_signs_the_body_or_relies_on_its_checksums(tls_s3, signing, code):
    """S3_PAYLOAD_SIGNING (default on) keeps the body hash signed over TLS too; off, boto3 sends
    UNSIGNED-PAYLOAD and the Content-MD5 / x-amz-checksum-sha256 headers catch a changed body."""
    state, url, ca = tls_s3
    store = S3Storage(
        S3Settings(
            bucket=sim.BUCKET,
            region=sim.REGION,
            endpoint_url=url,
            access_key_id=sim.ACCESS_KEY,
            secret_access_key=sim.SECRET_KEY,
            ca_bundle=ca,
            max_attempts=1,
            payload_signing=signing,
        )
    )
    sent = []
    store.client.meta.events.register("before-send", lambda request, **_: sent.append(request.headers))
    store.put("cases/1/0/a.pdf", PDF, content_type="application/pdf")
    payload_hash = sent[-1]["X-Amz-Content-SHA256"]
    payload_hash = payload_hash.decode() if isinstance(payload_hash, bytes) else payload_hash
    assert payload_hash == (hashlib.sha256(PDF).hexdigest() if signing else "UNSIGNED-PAYLOAD")
    assert store.get("cases/1/0/a.pdf") == PDF and set(state.objects()["cases/1/0/a.pdf"].checksums) == {"sha256"}
    state.corrupt_next_upload()
    with pytest.raises(StorageUnavailable):
        store.put("cases/1/0/b.pdf", PDF, content_type="application/pdf")
    assert _codes(state, 1) == [code] and "cases/1/0/b.pdf" not in state.objects()
    # a store whose certificate we do not trust is unavailable, not silently accepted
    untrusted = S3Storage(S3Settings(**{**store.settings.__dict__, "ca_bundle": ""}))
    with pytest.raises(StorageUnavailable) as info:
        untrusted.put("cases/1/0/c.pdf", PDF, content_type="application/pdf")
    assert "SSLError" in info.value.detail
