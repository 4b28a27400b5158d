"""The simulators listen on fixed ports under `make run` as under `python -m sandbox` (9101–9105),
each overridable by its SANDBOX_*_PORT variable; a taken port fails naming that variable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from sandbox.server import PORT_VARIABLES, SandboxPortError, SandboxServer, ports_from_env
from tests.devstack.runner import ROOT, free_port


def test_fixed_default_ports_overridable_by_variable():
    assert ports_from_env({}) == {
        "wechat_port": 9101,
        "alipay_port": 9102,
        "wechatpay_port": 9103,
        "sf_port": 9104,
        "s3_port": 9105,
    }
    ports = ports_from_env({"SANDBOX_SF_PORT": "19104", "SANDBOX_S3_PORT": "0"})
    assert (ports["sf_port"], ports["s3_port"], ports["wechat_port"]) == (19104, 0, 9101)
    with pytest.raises(ValueError, match="SANDBOX_ALIPAY_PORT"):
        ports_from_env({"SANDBOX_ALIPAY_PORT": "alipay"})


def test_a_taken_port_names_its_variable_and_frees_the_others(tmp_path):
    ports = {f"{name}_port": free_port() for name in PORT_VARIABLES}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["s3_port"]))  # the last one bound
        taken.listen()
        with pytest.raises(SandboxPortError, match="SANDBOX_S3_PORT") as caught:
            SandboxServer(**ports)
    assert caught.value.variable == "SANDBOX_S3_PORT"
    for name in ("wechat", "alipay", "wechatpay", "sf"):  # released again
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", ports[f"{name}_port"]))


def test_python_m_sandbox_with_a_taken_port_says_which_variable(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, ZSB_VAR_DIR=str(tmp_path), SANDBOX_ALIPAY_PORT=str(port))
        env.update({var: "0" for name, (var, _) in PORT_VARIABLES.items() if name != "alipay"})
        out = subprocess.run(
            [sys.executable, "-m", "sandbox"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    assert out.returncode == 2, out.stdout + out.stderr
    assert "SANDBOX_ALIPAY_PORT" in out.stderr and "--alipay-port" in out.stderr and str(port) in out.stderr
