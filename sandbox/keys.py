"""RSA key material for the simulators: generated with `cryptography`, optionally kept on disk.

Two key pairs exist, as with the real Alipay: the *app* key pair (we sign requests with the
private half and register the public half at the provider) and the *Alipay* key pair (the
provider signs its responses; we verify with the public half). Private keys are written as
PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), the form alipay-sdk-python loads; public keys as
SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class KeyPair:
    private_pem: str  # PKCS#1
    public_pem: str  # SubjectPublicKeyInfo

    @cached_property  # loading validates the key, which is slow: once per pair
    def private_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_pem_private_key(self.private_pem.encode(), password=None)

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return serialization.load_pem_public_key(self.public_pem.encode())


def generate_keypair(bits: int = 2048) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return keypair_from_private(key)


def keypair_from_private(key: rsa.RSAPrivateKey) -> KeyPair:
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem=private_pem, public_pem=public_pem)


@dataclass(frozen=True)
class SandboxKeys:
    app: KeyPair  # ours: signs requests to Alipay
    alipay: KeyPair  # the simulated Alipay's: signs its responses

    @classmethod
    def generate(cls) -> SandboxKeys:
        return cls(app=generate_keypair(), alipay=generate_keypair())

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike) -> SandboxKeys:
        """Keys under `directory` (created on first use), so they survive restarts of `make run`."""
        directory = Path(directory)
        pairs = {}
        for name in ("app", "alipay"):
            private_path = directory / f"{name}_private_key.pem"
            if private_path.exists():
                key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
                pairs[name] = keypair_from_private(key)
            else:
                pairs[name] = generate_keypair()
                _write_private(private_path, pairs[name].private_pem)
            public_path = directory / f"{name}_public_key.pem"
            if not public_path.exists() or public_path.read_text() != pairs[name].public_pem:
                public_path.write_text(pairs[name].public_pem)
        return cls(**pairs)

    @staticmethod
    def paths(directory: str | os.PathLike) -> dict[str, Path]:
        directory = Path(directory)
        return {
            "app_private": directory / "app_private_key.pem",
            "app_public": directory / "app_public_key.pem",
            "alipay_private": directory / "alipay_private_key.pem",
            "alipay_public": directory / "alipay_public_key.pem",
        }


def _write_private(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(pem)
