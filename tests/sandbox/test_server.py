"""sandbox.server: settings, key material, start/stop, and the `python -m sandbox` entry."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import requests

from sandbox.keys import SandboxKeys
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "SANDBOX",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_OPEN_APPID",
    "WECHAT_OPEN_SECRET",
    "WECHAT_API_BASE",
    "ALIPAY_APP_ID",
    "ALIPAY_APP_PRIVATE_KEY",
    "ALIPAY_PUBLIC_KEY",
    "ALIPAY_SERVER_URL",
    "ALIPAY_CERTIFY_RETURN_URL",
    "SF_API_URL",
    "SF_PARTNER_ID",
    "SF_CHECKWORD",
    "SF_MONTHLY_CARD",
    # WeChat Pay (payments/): the merchant and both ways of trusting WeChat Pay
    "WECHATPAY_MCHID",
    "WECHATPAY_APPID",
    "WECHATPAY_PRIVATE_KEY",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY",
    "WECHATPAY_PUBLIC_KEY_ID",
    "WECHATPAY_PLATFORM_CERTS",
    "WECHATPAY_API_BASE",
}


def test_settings_point_every_provider_at_the_simulators(sandbox):
    settings = sandbox.settings
    assert set(settings) == SETTINGS and settings["SANDBOX"] is True
    assert settings["WECHAT_API_BASE"] == sandbox.wechat_url
    assert settings["ALIPAY_SERVER_URL"] == f"{sandbox.alipay_url}/gateway.do"
    assert settings["ALIPAY_APP_PRIVATE_KEY"].startswith("-----BEGIN RSA PRIVATE KEY-----")  # PKCS#1
    assert settings["ALIPAY_PUBLIC_KEY"].startswith("-----BEGIN PUBLIC KEY-----")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.wechat_url)
    assert all(isinstance(v, str) for v in sandbox.env().values()) and sandbox.env()["SANDBOX"] == "1"


def test_keys_persist_in_a_key_directory(tmp_path):
    first = SandboxKeys.load_or_create(tmp_path)
    second = SandboxKeys.load_or_create(tmp_path)
    assert first == second and first.app != first.alipay
    paths = SandboxKeys.paths(tmp_path)
    assert all(p.exists() for p in paths.values())
    assert stat.S_IMODE(paths["app_private"].stat().st_mode) == 0o600
    assert paths["app_private"].read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_a_server_with_a_key_directory_hands_out_key_paths(tmp_path):
    with SandboxServer(key_dir=tmp_path) as server:
        settings = server.settings
        assert settings["ALIPAY_APP_PRIVATE_KEY"] == str(tmp_path / "app_private_key.pem")
        assert settings["ALIPAY_PUBLIC_KEY"] == str(tmp_path / "alipay_public_key.pem")
        assert requests.get(f"{server.wechat_url}/sandbox/calls", timeout=5).status_code == 200
    # stopped: the port no longer answers
    try:
        requests.get(f"{server.wechat_url}/sandbox/calls", timeout=2)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the simulator still answers after stop()")


def test_python_dash_m_sandbox_serves_and_prints_the_settings(tmp_path):
    env = {**os.environ, "ZSB_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "--wechat-port",
            "0",
            "--alipay-port",
            "0",
            "--s3-port",
            "0",
            "--key-dir",
            str(tmp_path / "k"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        exports = dict(re.findall(r"^export (\w+)=(\S+)$", "".join(lines), re.M))
        assert {"WECHAT_APPID", "ALIPAY_SERVER_URL", "ALIPAY_APP_PRIVATE_KEY", "S3_ENDPOINT_URL"} <= set(exports)
        base = exports["WECHAT_API_BASE"].strip("'")
        assert "WeChat sandbox" in requests.get(f"{base}/sandbox/", timeout=5).text
        assert Path(exports["ALIPAY_APP_PRIVATE_KEY"].strip("'")).exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
