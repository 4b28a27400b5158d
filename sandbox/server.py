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
from sandbox.alipay_pay import install_payment_controls
from sandbox.alipay_state import AlipayState
from sandbox.common import QuietRequestHandler
from sandbox.keys import SandboxKeys
from sandbox.s3 import S3State, create_s3_sandbox
from sandbox.sf import SFState, create_sf_sandbox
from sandbox.wechat import create_wechat_sandbox
from sandbox.wechat_state import MINIPROGRAM, OPEN, WeChatState
from sandbox.wechatpay import create_wechatpay_sandbox
from sandbox.wechatpay_state import APIV3_KEY, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, WeChatPayKeys, WeChatPayState

WECHAT_APPID = "wx5a4d0b0000sandbox"
WECHAT_SECRET = "sandbox-miniprogram-secret-0000"  # noqa: S105 - a simulator's public value
WECHAT_OPEN_APPID = "wx0pen00000sandbox"
WECHAT_OPEN_SECRET = "sandbox-open-platform-secret-00"  # noqa: S105
ALIPAY_APP_ID = "2021000000000001"
SF_PARTNER_ID = "ZSB_SANDBOX"
SF_CHECKWORD = "sandbox-sf-checkword-0000000000"  # noqa: S105 - a simulator's public value
SF_MONTHLY_CARD = "7551234567"


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

    # S3 (controls under /_sandbox: bucket names cannot start with "_")
    s3_url: str

    def s3_fail_next(self, code: str = "SlowDown", *, operation: str = "", times: int = 1) -> dict:
        return self._post(f"{self.s3_url}/_sandbox/fail-next", {"code": code, "operation": operation, "times": times})

    def s3_corrupt_next_upload(self, times: int = 1) -> dict:
        return self._post(f"{self.s3_url}/_sandbox/corrupt-next-upload", {"times": times})

    def s3_corrupt_object(self, key: str, bucket: str | None = None) -> dict:
        return self._post(f"{self.s3_url}/_sandbox/corrupt", {"key": key, **({"bucket": bucket} if bucket else {})})

    def s3_clear(self) -> dict:
        return self._post(f"{self.s3_url}/_sandbox/clear", {})

    def s3_objects(self, bucket: str | None = None) -> list[dict]:
        return self._get(f"{self.s3_url}/_sandbox/objects", **({"bucket": bucket} if bucket else {}))["items"]

    def s3_calls(self, limit: int = 50) -> list[dict]:
        return self._get(f"{self.s3_url}/_sandbox/calls", limit=limit)["items"]

    # SF Express
    sf_url: str

    def sf_set_push_url(self, url: str) -> dict:
        response = requests.put(f"{self.sf_url}/sandbox/sf/config", json={"push_url": url}, timeout=5)
        response.raise_for_status()
        return response.json()

    def sf_push(self, order_id: str, **options) -> dict:
        """Release and push routes: count=, all=, route={opCode, remark}, duplicate=, reorder=, silent=."""
        return self._post(f"{self.sf_url}/sandbox/sf/push", {"order_id": order_id, **options})

    def sf_fail_next(self, **rule) -> dict:
        """http_status=, errcode= (apiResultCode such as A1009), service=, times= (see sandbox.sf)."""
        return self._post(f"{self.sf_url}/sandbox/sf/fail-next", rule)

    def sf_orders(self) -> list[dict]:
        return self._get(f"{self.sf_url}/sandbox/sf/orders")["items"]

    def sf_calls(self, limit: int = 50) -> list[dict]:
        return self._get(f"{self.sf_url}/sandbox/sf/calls", limit=limit)["items"]

    # WeChat Pay and Alipay payments: the citizen pays on the phone (see sandbox/wechatpay.py,
    # sandbox/alipay_pay.py); notify=False pays without sending the callback (a lost one)
    def wechatpay_pay(self, out_trade_no: str, *, notify: bool = True) -> dict:
        return self._post(f"{self.wechatpay_url}/sandbox/pay/{out_trade_no}", {"notify": notify})

    def wechatpay_finish_refund(self, out_refund_no: str, *, status: str = "SUCCESS", notify: bool = True) -> dict:
        return self._post(
            f"{self.wechatpay_url}/sandbox/refunds/{out_refund_no}/finish", {"status": status, "notify": notify}
        )

    def alipay_pay(self, out_trade_no: str, *, notify: bool = True) -> dict:
        return self._post(f"{self.alipay_url}/sandbox/trade/{out_trade_no}/pay", {"notify": notify})


# The fixed ports of `python -m sandbox` and `make run`, and the variable that overrides each
# (0 = any free port).
PORT_VARIABLES = {
    "wechat": ("SANDBOX_WECHAT_PORT", 9101),
    "alipay": ("SANDBOX_ALIPAY_PORT", 9102),
    "wechatpay": ("SANDBOX_WECHATPAY_PORT", 9103),
    "sf": ("SANDBOX_SF_PORT", 9104),
    "s3": ("SANDBOX_S3_PORT", 9105),
}


def ports_from_env(env=None) -> dict[str, int]:
    """SandboxServer port arguments: the fixed defaults, overridden by the SANDBOX_*_PORT variables."""
    env = os.environ if env is None else env
    ports = {}
    for name, (var, default) in PORT_VARIABLES.items():
        value = (env.get(var) or "").strip() or str(default)
        if not value.isdigit() or int(value) > 65535:
            raise ValueError(f"{var} must be a port number (0 = any free port), not {value!r}")
        ports[f"{name}_port"] = int(value)
    return ports


class SandboxPortError(OSError):
    """A simulator could not listen on its port; the message names the variable to change."""

    def __init__(self, name: str, host: str, port: int):
        self.name, self.host, self.port = name, host, port
        self.variable = PORT_VARIABLES[name][0]
        super().__init__(
            f"the {name} simulator cannot listen on {host}:{port} (port in use?): "
            f"set {self.variable} to a free port (0 = any free port)"
        )


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
        s3_port: int = 0,
        sf_port: int = 0,
        wechatpay_port: int = 0,
        wechatpay_auto_notify_refunds: bool = False,
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
        self.sf = SFState(partner_id=SF_PARTNER_ID, check_word=SF_CHECKWORD)
        self.s3 = S3State()  # S3-compatible object storage: uploads with STORAGE_BACKEND=s3
        self.wechatpay_keys = WeChatPayKeys.load_or_create(self.key_dir) if self.key_dir else WeChatPayKeys.generate()
        self.wechatpay = WeChatPayState(
            keys=self.wechatpay_keys,
            merchants={
                MCHID: (self.wechatpay_keys.merchant.public_key(), MERCHANT_SERIAL, APIV3_KEY, {WECHAT_APPID}),
            },
            auto_notify_refunds=wechatpay_auto_notify_refunds,
        )
        alipay_app = create_alipay_sandbox(self.alipay)
        install_payment_controls(alipay_app, self.alipay)
        self._handler = QuietRequestHandler if quiet else None
        self._servers: dict[str, object] = {}
        self._threads: list[threading.Thread] = []
        self.wechat_url = self._serve("wechat", wechat_port, create_wechat_sandbox(self.wechat))
        self.alipay_url = self._serve("alipay", alipay_port, alipay_app)
        self.wechatpay_url = self._serve("wechatpay", wechatpay_port, create_wechatpay_sandbox(self.wechatpay))
        self.sf_url = self._serve("sf", sf_port, create_sf_sandbox(self.sf))
        self.s3_url = self._serve("s3", s3_port, create_s3_sandbox(self.s3))

    def _serve(self, name: str, port: int, wsgi_app) -> str:
        """Bind one simulator (port 0: chosen by the OS); it serves from start() on."""
        try:
            server = make_server(self.host, port, wsgi_app, threaded=True, request_handler=self._handler)
        except (OSError, SystemExit) as exc:  # werkzeug prints the reason and exits on a bind error
            for bound in self._servers.values():
                bound.server_close()
            raise SandboxPortError(name, self.host, port) from exc
        self._servers[name] = server
        return f"http://{self.host}:{server.server_port}"

    def start(self) -> SandboxServer:
        for name, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
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
            "SF_API_URL": f"{self.sf_url}/std/service",
            "SF_PARTNER_ID": SF_PARTNER_ID,
            "SF_CHECKWORD": SF_CHECKWORD,
            "SF_MONTHLY_CARD": SF_MONTHLY_CARD,
            **self.wechatpay_settings,
        }

    @property
    def s3_settings(self) -> dict:
        """S3_* values pointing at the S3 simulator; uploads go there with STORAGE_BACKEND=s3 (kept
        apart from `settings`, which leaves the storage backend alone)."""
        from sandbox import s3

        return {
            "S3_ENDPOINT_URL": self.s3_url,
            "S3_REGION": s3.REGION,
            "S3_BUCKET": s3.BUCKET,
            "S3_ACCESS_KEY_ID": s3.ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": s3.SECRET_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }

    @property
    def wechatpay_settings(self) -> dict:
        """WECHATPAY_* settings: the merchant key, and both ways of trusting WeChat Pay (its
        public key and its platform certificate), as a merchant in the middle of a switch has."""
        keys = self.wechatpay_keys
        if self.key_dir:
            keys.write_public(self.key_dir)
            private_key = str(self.key_dir / "wechatpay_merchant_key.pem")
            public_key = str(self.key_dir / "wechatpay_public_key.pem")
        else:
            private_key, public_key = keys.merchant_private_pem, keys.wechatpay_public_pem
        return {
            "WECHATPAY_MCHID": MCHID,
            "WECHATPAY_APPID": WECHAT_APPID,
            "WECHATPAY_PRIVATE_KEY": private_key,
            "WECHATPAY_CERT_SERIAL_NO": MERCHANT_SERIAL,
            "WECHATPAY_APIV3_KEY": APIV3_KEY,
            "WECHATPAY_PUBLIC_KEY": public_key,
            "WECHATPAY_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
            "WECHATPAY_PLATFORM_CERTS": str(self.key_dir / "wechatpay_platform_certs")
            if self.key_dir
            else keys.platform_cert_pem,
            "WECHATPAY_API_BASE": self.wechatpay_url,
        }

    def env(self) -> dict[str, str]:
        """`settings` as environment variables (what app.config reads at start-up)."""
        return {key: ("1" if value is True else str(value)) for key, value in self.settings.items()}
