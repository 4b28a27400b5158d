"""Keyword-free little helpers shared by the gateway tests."""

from __future__ import annotations

import secrets
import socket

NAME = "林晓岚"
ID_NUMBER = "11010519491231002X"  # check digit X: the gateways must not care about its case
OTHER_NAME = "陈云栖"
OTHER_ID_NUMBER = "440305199001011234"


def unique(prefix: str = "zsbt") -> str:
    """A fresh out_seq_no / outer_order_no (letters and digits only, fits both providers)."""
    return prefix + secrets.token_hex(10)


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
