"""Run the provider simulators on loopback, each on its own werkzeug server thread.

    server = SandboxServer().start()          # ports chosen by the OS
    app = create_app("testing", **server.settings)
    ...
    server.face_outcome(verify_id, "pass")    # the citizen finishes on the phone
    server.stop()

`settings` holds the WECHAT_* / ALIPAY_* config values pointing at the simulators; `env()` the
same as environment variables for child processes (keys as file paths when a key directory is
used). SandboxControl wraps the /sandbox control endpoints for tests and scripts.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import requests
from werkzeug.serving import make_server

from sandbox.alipay import create_alipay_sandbox
from sandbox.alipay_state import AlipayState
from sandbox.common import QuietRequestHandler
from sandbox.keys import SandboxKeys
from sandbox.wechat import create_wechat_sandbox
from sandbox.wechat_state import MINIPROGRAM, OPEN, WeChatState

WECHAT_APPID = "wx5a4d0b0000sandbox"
WECHAT_SECRET = "sandbox-miniprogram-secret-0000"  # noqa: S105 - a simulator's public value
WECHAT_OPEN_APPID = "wx0pen00000sandbox"
WECHAT_OPEN_SECRET = "sandbox-open-platform-secret-00"  # noqa: S105
ALIPAY_APP_ID = "2021000000000001"


class SandboxControl:
    """Client of the /sandbox control endpoints (the simulated phone and the test hooks)."""

    wechat_url: str
    alipay_url: str

    def _post(self, url: str, payload: dict) -> dict:
        response = requests.post(url, json=payload, timeout=5)
        response.raise_for_status()
        return response.json()

    def _get(self, url: str, **params) -> dict:
        response = requests.get(url, params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    # WeChat
    def wechat_login_code(self, user: str = "alice") -> str:
        return self._get(f"{self.wechat_url}/sandbox/login-code", user=user)["code"]

    def face_outcome(self, verify_id: str, outcome: str = "pass", *, verify_ret: int | None = None) -> dict:
        payload = {"verify_ret": verify_ret} if verify_ret is not None else {"outcome": outcome}
        return self._post(f"{self.wechat_url}/sandbox/face/{verify_id}", payload)

    def legacy_verify_result(
        self, *, name: str, id_number: str, outcome: str = "pass", user: str = "alice", openid: str | None = None
    ) -> str:
        payload = {"name": name, "id_number": id_number, "outcome": outcome, "user": user}
        if openid:
            payload["openid"] = openid
        return self._post(f"{self.wechat_url}/sandbox/face/legacy", payload)["verify_result"]

    def expire_wechat_tokens(self, errcode: int = 42001, appid: str | None = None) -> int:
        payload = {"errcode": errcode, **({"appid": appid} if appid else {})}
        return self._post(f"{self.wechat_url}/sandbox/tokens/expire", payload)["expired"]

    def wechat_token_fetches(self, appid: str | None = None) -> int:
        fetches = self._get(f"{self.wechat_url}/sandbox/tokens")["fetches"]
        return fetches.get(appid or WECHAT_APPID, 0)

    def wechat_fail_next(self, **rule) -> dict:
        """http_status=, body=, errcode=, path=, times= (see sandbox.wechat)."""
        return self._post(f"{self.wechat_url}/sandbox/fail-next", rule)

    def subscribe_error(self, errcode: int, *, touser: str | None = None, times: int = 1) -> dict:
        payload = {"errcode": errcode, "times": times, **({"touser": touser} if touser else {})}
        return self._post(f"{self.wechat_url}/sandbox/subscribe/errors", payload)

    def subscribe_messages(self, limit: int = 50) -> list[dict]:
        return self._get(f"{self.wechat_url}/sandbox/messages", limit=limit)["items"]

    def subscribe_received(self, limit: int = 50) -> list[dict]:
        """Every subscribe-send attempt with its outcome (delivered / errcode <n> / aborted)."""
        return self._get(f"{self.wechat_url}/sandbox/subscribe/received", limit=limit)["items"]

    def subscribe_hold(self, seconds: float, *, times: int = 1) -> dict:
        """Hold the next subscribe send(s); a sender gone meanwhile gets nothing delivered."""
        return self._post(f"{self.wechat_url}/sandbox/subscribe/hold", {"seconds": seconds, "times": times})

    def wechat_calls(self, limit: int = 50, path: str | None = None) -> list[dict]:
        params = {"limit": limit, **({"path": path} if path else {})}
        return self._get(f"{self.wechat_url}/sandbox/calls", **params)["items"]

    # Alipay
    def alipay_auth_code(self, user: str = "alice") -> str:
        return self._get(f"{self.alipay_url}/sandbox/auth-code", user=user)["code"]

    def certify_outcome(self, certify_id: str, outcome: str = "pass") -> dict:
        return self._post(f"{self.alipay_url}/sandbox/certify/{certify_id}", {"outcome": outcome})

    def tamper_next_alipay_response(self, mode: str = "body", times: int = 1) -> dict:
        return self._post(f"{self.alipay_url}/sandbox/tamper-next", {"mode": mode, "times": times})

    def alipay_fail_next(self, **rule) -> dict:
        """http_status=, body=, errcode=, method=, times= (see sandbox.alipay)."""
        return self._post(f"{self.alipay_url}/sandbox/fail-next", rule)

    def alipay_messages(self, limit: int = 50) -> list[dict]:
        """Mini-program messages delivered (alipay.open.app.mini.templatemessage.send)."""
        return self._get(f"{self.alipay_url}/sandbox/mini-messages", limit=limit)["items"]

    def alipay_message_error(self, sub_code: str, *, code: str = "40004", times: int = 1) -> dict:
        payload = {"sub_code": sub_code, "code": code, "times": times}
        return self._post(f"{self.alipay_url}/sandbox/mini-messages/errors", payload)

    def alipay_message_received(self, limit: int = 50) -> list[dict]:
        return self._get(f"{self.alipay_url}/sandbox/mini-message/received", limit=limit)["items"]

    def alipay_calls(self, limit: int = 50) -> list[dict]:
        return self._get(f"{self.alipay_url}/sandbox/calls", limit=limit)["items"]


class SandboxServer(SandboxControl):
    """The WeChat and Alipay simulators on `host`, ports 0 = any free port.

    key_dir: keep the generated RSA keys there (created on first use) and hand them to the app as
    file paths; without it fresh keys live in memory only."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        wechat_port: int = 0,
        alipay_port: int = 0,
        key_dir: str | os.PathLike | None = None,
        quiet: bool = True,
    ):
        self.host = host
        self.key_dir = Path(key_dir) if key_dir else None
        self.keys = SandboxKeys.load_or_create(self.key_dir) if self.key_dir else SandboxKeys.generate()
        self.wechat = WeChatState(
            apps={WECHAT_APPID: (WECHAT_SECRET, MINIPROGRAM), WECHAT_OPEN_APPID: (WECHAT_OPEN_SECRET, OPEN)}
        )
        self.alipay = AlipayState(
            apps={ALIPAY_APP_ID: self.keys.app.public_pem}, alipay_private_pem=self.keys.alipay.private_pem
        )
        handler = QuietRequestHandler if quiet else None
        self._servers = [
            make_server(host, wechat_port, create_wechat_sandbox(self.wechat), threaded=True, request_handler=handler),
            make_server(host, alipay_port, create_alipay_sandbox(self.alipay), threaded=True, request_handler=handler),
        ]
        self._threads: list[threading.Thread] = []
        self.wechat_url = f"http://{host}:{self._servers[0].server_port}"
        self.alipay_url = f"http://{host}:{self._servers[1].server_port}"

    def start(self) -> SandboxServer:
        for name, server in zip(("wechat", "alipay"), self._servers, strict=True):
            thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def settings(self) -> dict:
        """Config values for create_app(**settings): every provider points at the simulators."""
        if self.key_dir:
            paths = SandboxKeys.paths(self.key_dir)
            private_key, public_key = str(paths["app_private"]), str(paths["alipay_public"])
        else:
            private_key, public_key = self.keys.app.private_pem, self.keys.alipay.public_pem
        return {
            "SANDBOX": True,
            "WECHAT_APPID": WECHAT_APPID,
            "WECHAT_SECRET": WECHAT_SECRET,
            "WECHAT_OPEN_APPID": WECHAT_OPEN_APPID,
            "WECHAT_OPEN_SECRET": WECHAT_OPEN_SECRET,
            "WECHAT_API_BASE": self.wechat_url,
            "ALIPAY_APP_ID": ALIPAY_APP_ID,
            "ALIPAY_APP_PRIVATE_KEY": private_key,
            "ALIPAY_PUBLIC_KEY": public_key,
            "ALIPAY_SERVER_URL": f"{self.alipay_url}/gateway.do",
            "ALIPAY_CERTIFY_RETURN_URL": f"{self.alipay_url}/sandbox/certify-done",
        }

    def env(self) -> dict[str, str]:
        """`settings` as environment variables (what app.config reads at start-up)."""
        return {key: ("1" if value is True else str(value)) for key, value in self.settings.items()}
