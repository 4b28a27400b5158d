"""Generating the client from the app's spec with openapi-python-client, and reaching into the
generated package (api/<tag>/<operation_id>.py, models)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "zsb_generated_client"


def generate(spec: dict, workdir: Path) -> subprocess.CompletedProcess:
    """openapi-python-client with the repository's config, as a front-end team runs it."""
    spec_file = workdir / "openapi.json"
    spec_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    venv_bin = str(Path(sys.executable).parent)
    return subprocess.run(
        [
            os.path.join(venv_bin, "openapi-python-client"),
            "generate",
            "--path",
            str(spec_file),
            "--output-path",
            str(workdir / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(REPO / "openapi-python-client.yaml"),
        ],
        cwd=workdir,
        env={**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=300,
    )


def op(package, tag: str, operation_id: str):
    """The generated module of an operation: api/<tag>/<operation_id in snake_case>."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in operation_id)
    return importlib.import_module(f"{package.__name__}.api.{tag}.{snake}")


def models(package):
    return importlib.import_module(f"{package.__name__}.models")
