"""Keys, orders, refunds and signing of the WeChat Pay v3 simulator (sandbox/wechatpay.py).

Three key pairs, as with the real WeChat Pay: the *merchant* key (we sign requests with the
private half, PKCS#8; the simulator knows the public half by the merchant certificate serial), the
*platform certificate* key (an X.509 certificate with a hex serial, the older way WeChat Pay signs
its answers and callbacks) and the *WeChat Pay public key* (`PUB_KEY_ID_…`, the newer way). `mode`
says which of the two the simulator signs with; a merchant may trust both at once.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from sandbox.common import CallLog, FailureRule

BEIJING = ZoneInfo("Asia/Shanghai")
MCHID = "1900000109"
APIV3_KEY = "sandboxApiV3Key0123456789abcdefX"  # noqa: S105 - a simulator's public value (32 bytes)
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD2SANDBOX"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026SANDBOX01"
MODES = ("public_key", "platform_cert")


def rfc3339(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts or time.time(), BEIJING).isoformat(timespec="seconds")


def _pkcs8(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(key: rsa.RSAPrivateKey, serial: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (sandbox)")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )


@dataclass
class WeChatPayKeys:
    merchant: rsa.RSAPrivateKey
    platform: rsa.RSAPrivateKey
    platform_cert: x509.Certificate
    wechatpay: rsa.RSAPrivateKey  # the "WeChat Pay public key" pair

    @classmethod
    def generate(cls) -> WeChatPayKeys:
        platform = _new_key()
        serial = int.from_bytes(secrets.token_bytes(16), "big") >> 1
        return cls(
            merchant=_new_key(), platform=platform, platform_cert=_certificate(platform, serial), wechatpay=_new_key()
        )

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike) -> WeChatPayKeys:
        """Kept under `directory` so exported settings stay valid across `make run` restarts."""
        directory = Path(directory)
        names = ("wechatpay_merchant_key.pem", "wechatpay_platform_key.pem", "wechatpay_pubkey_key.pem")
        cert_path = directory / "wechatpay_platform_cert.pem"
        if all((directory / n).exists() for n in names) and cert_path.exists():
            keys = [serialization.load_pem_private_key((directory / n).read_bytes(), None) for n in names]
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            return cls(merchant=keys[0], platform=keys[1], platform_cert=cert, wechatpay=keys[2])
        made = cls.generate()
        directory.mkdir(parents=True, exist_ok=True)
        for name, key in zip(names, (made.merchant, made.platform, made.wechatpay), strict=True):
            fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(_pkcs8(key))
        cert_path.write_bytes(made.platform_cert.public_bytes(serialization.Encoding.PEM))
        made.write_public(directory)
        return made

    def write_public(self, directory: Path) -> None:
        (directory / "wechatpay_public_key.pem").write_text(self.wechatpay_public_pem)
        certs = directory / "wechatpay_platform_certs"
        certs.mkdir(exist_ok=True)
        (certs / f"{self.platform_serial}.pem").write_bytes(self.platform_cert.public_bytes(serialization.Encoding.PEM))

    @property
    def merchant_private_pem(self) -> str:  # PKCS#8, what wechatpayv3 loads
        return _pkcs8(self.merchant)

    @property
    def wechatpay_public_pem(self) -> str:
        return _public_pem(self.wechatpay.public_key())

    @property
    def platform_cert_pem(self) -> str:
        return self.platform_cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def platform_serial(self) -> str:
        return format(self.platform_cert.serial_number, "X")


@dataclass
class Order:
    appid: str
    mchid: str
    out_trade_no: str
    description: str
    total: int
    openid: str
    notify_url: str
    time_expire: str | None
    attach: str | None
    prepay_id: str
    created: float
    state: str = "NOTPAY"  # NOTPAY SUCCESS CLOSED REFUND
    transaction_id: str | None = None
    success_time: str | None = None

    def transaction(self) -> dict:
        out = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_type": "JSAPI",
            "trade_state": self.state,
            "trade_state_desc": {"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款"}[
                self.state
            ],
            "attach": self.attach or "",
            "payer": {"openid": self.openid},
            "amount": {"total": self.total, "currency": "CNY"},
        }
        if self.transaction_id:
            out.update(transaction_id=self.transaction_id, bank_type="OTHERS", success_time=self.success_time)
            out["amount"].update(payer_total=self.total, payer_currency="CNY")
        return out


@dataclass
class Refund:
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    transaction_id: str
    refund: int
    total: int
    notify_url: str | None
    reason: str | None
    created: float
    status: str = "PROCESSING"  # PROCESSING SUCCESS CLOSED ABNORMAL
    success_time: str | None = None

    def answer(self, mchid: str) -> dict:
        out = {
            "mchid": mchid,
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": rfc3339(self.created),
            "status": self.status,
            "refund_status": self.status,
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
                "currency": "CNY",
            },
        }
        if self.success_time:
            out["success_time"] = self.success_time
        return out


@dataclass
class WeChatPayState:
    """merchants: mchid -> (merchant public key, merchant serial, APIv3 key, appids)."""

    keys: WeChatPayKeys
    merchants: dict[str, tuple] = field(default_factory=dict)
    mode: str = "public_key"
    lock: threading.RLock = field(default_factory=threading.RLock)
    orders: dict[tuple[str, str], Order] = field(default_factory=dict)
    refunds: dict[tuple[str, str], Refund] = field(default_factory=dict)
    failures: list[FailureRule] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    calls: CallLog = field(default_factory=CallLog)
    auto_notify_refunds: bool = False  # dev: send the refund callback by itself shortly after
    seen_nonces: set[str] = field(default_factory=set)

    # ------------------------------------------------------------------ signing

    def signing_key(self, mode: str | None = None) -> tuple[rsa.RSAPrivateKey, str]:
        mode = mode or self.mode
        if mode == "platform_cert":
            return self.keys.platform, self.keys.platform_serial
        return self.keys.wechatpay, PUBLIC_KEY_ID

    def signed_headers(
        self, body: str, *, mode: str | None = None, timestamp: int | None = None, key=None, serial: str | None = None
    ) -> dict[str, str]:
        """Wechatpay-* headers over `body`: SHA256withRSA of `timestamp\\nnonce\\nbody\\n`."""
        default_key, default_serial = self.signing_key(mode)
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = secrets.token_hex(16).upper()
        message = f"{ts}\n{nonce}\n{body}\n".encode()
        signature = (key or default_key).sign(message, padding.PKCS1v15(), hashes.SHA256())
        return {
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Serial": serial or default_serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def apiv3_key(self, mchid: str) -> str:
        return self.merchants[mchid][2]

    def notification(
        self,
        event_type: str,
        resource: dict,
        *,
        mchid: str = MCHID,
        original_type: str = "transaction",
        apiv3_key: str | None = None,
        mode: str | None = None,
        timestamp: int | None = None,
        key=None,
        serial: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """A callback as WeChat Pay sends it: (headers, raw body), the resource AES-256-GCM
        encrypted with the merchant's APIv3 key, the body signed. The keyword arguments let tests
        build wrong ones (another key, an old timestamp, another APIv3 key ...)."""
        nonce = secrets.token_hex(6)
        aad = original_type
        plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
        aes = AESGCM((apiv3_key or self.apiv3_key(mchid)).encode())
        ciphertext = base64.b64encode(aes.encrypt(nonce.encode(), plaintext, aad.encode())).decode()
        envelope = {
            "id": secrets.token_hex(18),
            "create_time": rfc3339(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type == "TRANSACTION.SUCCESS" else "退款状态变更",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": aad,
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        return self.signed_headers(body, mode=mode, timestamp=timestamp, key=key, serial=serial), body

    def deliver(self, url: str, headers: dict[str, str], body: str) -> int:
        """POST a callback to the merchant's notify_url; the HTTP status it answered (0 = unreachable)."""
        try:
            response = requests.post(
                url,
                data=body.encode(),
                headers={**headers, "Content-Type": "application/json"},
                timeout=5,
            )
            status = response.status_code
            answer = response.text[:200]
        except requests.RequestException as exc:
            status, answer = 0, type(exc).__name__
        with self.lock:
            self.deliveries.append({"at": round(time.time(), 3), "url": url, "status": status, "answer": answer})
            del self.deliveries[:-200]
        return status

    # ------------------------------------------------------------------ payments and refunds

    def pay(self, out_trade_no: str, *, mchid: str = MCHID) -> Order:
        """The citizen pays on the phone: the order becomes SUCCESS (idempotent)."""
        with self.lock:
            order = self.orders.get((mchid, out_trade_no))
            if order is None:
                raise KeyError(out_trade_no)
            if order.state == "NOTPAY":
                order.state = "SUCCESS"
                order.transaction_id = "42000" + datetime.now(BEIJING).strftime("%Y%m%d") + secrets.token_hex(8)
                order.success_time = rfc3339()
            return order

    def transaction_notification(self, order: Order, **kwargs) -> tuple[dict[str, str], str]:
        return self.notification("TRANSACTION.SUCCESS", order.transaction(), mchid=order.mchid, **kwargs)

    def refund_notification(self, refund: Refund, *, mchid: str = MCHID, **kwargs) -> tuple[dict[str, str], str]:
        resource = refund.answer(mchid)
        resource.pop("status", None)
        event_type = {"SUCCESS": "REFUND.SUCCESS", "CLOSED": "REFUND.CLOSED"}.get(refund.status, "REFUND.ABNORMAL")
        return self.notification(event_type, resource, mchid=mchid, original_type="refund", **kwargs)

    def finish_refund(self, out_refund_no: str, *, mchid: str = MCHID, status: str = "SUCCESS") -> Refund:
        with self.lock:
            refund = self.refunds[(mchid, out_refund_no)]
            if refund.status == "PROCESSING":
                refund.status = status
                if status == "SUCCESS":
                    refund.success_time = rfc3339()
            return refund

    def notify_refund_later(self, refund: Refund, mchid: str, delay: float = 0.3) -> None:
        def run():
            time.sleep(delay)
            done = self.finish_refund(refund.out_refund_no, mchid=mchid)
            if done.notify_url:
                self.deliver(done.notify_url, *self.refund_notification(done, mchid=mchid))

        threading.Thread(target=run, name="wechatpay-refund-notify", daemon=True).start()
