"""The upload storage settings checked without building a backend: STORAGE_BACKEND and the
S3_* settings (`storage_problems`, used by the production check), and `S3Settings`, read by the
S3 backend (app/storage/s3.py). Imports neither boto3 nor the backends."""

from __future__ import annotations

from dataclasses import dataclass

CHECKSUM_MODES = ("sha256", "md5", "both")
ADDRESSING_STYLES = ("path", "virtual", "auto")
SSE_MODES = ("", "AES256", "aws:kms")


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    region: str = "us-east-1"
    endpoint_url: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    addressing_style: str = "path"
    prefix: str = ""
    sse: str = ""
    sse_kms_key_id: str = ""
    checksum: str = "both"
    payload_signing: bool = True
    ca_bundle: str = ""
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3

    @classmethod
    def from_config(cls, config) -> S3Settings:
        def get(name, default):
            value = config.get(name)
            return default if value is None or value == "" else value

        return cls(
            bucket=get("S3_BUCKET", ""),
            region=get("S3_REGION", "us-east-1"),
            endpoint_url=get("S3_ENDPOINT_URL", ""),
            access_key_id=get("S3_ACCESS_KEY_ID", ""),
            secret_access_key=get("S3_SECRET_ACCESS_KEY", ""),
            addressing_style=str(get("S3_ADDRESSING_STYLE", "path")).lower(),
            prefix=str(get("S3_PREFIX", "")).strip("/"),
            sse=get("S3_SSE", ""),
            sse_kms_key_id=get("S3_SSE_KMS_KEY_ID", ""),
            checksum=str(get("S3_CHECKSUM", "both")).lower(),
            payload_signing=_truthy(get("S3_PAYLOAD_SIGNING", True)),
            ca_bundle=get("S3_CA_BUNDLE", ""),
            connect_timeout=float(get("S3_CONNECT_TIMEOUT", 3.0)),
            read_timeout=float(get("S3_READ_TIMEOUT", 10.0)),
            max_attempts=int(get("S3_MAX_ATTEMPTS", 3)),
        )

    def problems(self, *, production: bool = False) -> list[str]:
        """What is wrong with these settings, as sentences naming the setting to fix."""
        out = []
        if not self.bucket:
            out.append("S3_BUCKET must name the bucket for uploads when STORAGE_BACKEND=s3")
        if not self.region:
            out.append("S3_REGION must be set when STORAGE_BACKEND=s3 (the region requests are signed for)")
        if bool(self.access_key_id) != bool(self.secret_access_key):
            out.append("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together")
        if self.addressing_style not in ADDRESSING_STYLES:
            out.append(f"S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}")
        if self.checksum not in CHECKSUM_MODES:
            out.append(f"S3_CHECKSUM must be one of {', '.join(CHECKSUM_MODES)}")
        if self.sse not in SSE_MODES:
            out.append("S3_SSE must be empty, AES256 or aws:kms")
        if self.sse_kms_key_id and self.sse != "aws:kms":
            out.append("S3_SSE_KMS_KEY_ID needs S3_SSE=aws:kms")
        if self.endpoint_url and not self.endpoint_url.startswith(("http://", "https://")):
            out.append("S3_ENDPOINT_URL must be an http(s) URL")
        if self.max_attempts < 1:
            out.append("S3_MAX_ATTEMPTS must be at least 1")
        if production:
            if not self.access_key_id:
                out.append("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set in production")
            if self.endpoint_url.startswith("http://"):
                out.append("S3_ENDPOINT_URL must use https in production")
        return out


def _truthy(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def storage_problems(config: dict, *, production: bool = False) -> list[str]:
    """What keeps the configured upload storage from working (STORAGE_BACKEND and the S3_* settings)."""
    backend = str(config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return []
    if backend != "s3":
        return [f"STORAGE_BACKEND must be local or s3, not {backend!r}"]
    return S3Settings.from_config(config).problems(production=production)
