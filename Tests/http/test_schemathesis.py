"""Property-based tests of the live stack from openapi.yaml with schemathesis: for every
implemented operation, generated valid and invalid requests (authenticated with the demo
key) must never get a 5xx, and every answer must match the document (status, content type,
headers, body schema). Operations in test_openapi.NOT_YET_IMPLEMENTED are left out, by name.

Bounded to a few minutes on two cores: 20 examples per operation, a fixed seed (a failure
replays the same way), one worker. The report is in test-artifacts/schemathesis/."""
import os
import pathlib
import subprocess
import sys

import yaml

from installs import require_module
from test_openapi import NOT_YET_IMPLEMENTED

REPO = pathlib.Path(__file__).resolve().parents[2]
REPORT_DIR = REPO / "test-artifacts" / "schemathesis"
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"]
MAX_EXAMPLES = 20
SEED = 20261128
TIME_LIMIT_SECONDS = 600


def schemathesis_command(base_url, ca_cert, key):
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(REPO / "openapi.yaml"),
        "--url", base_url,
        "--header", f"Authorization: Bearer {key}",
        "--tls-verify", ca_cert,
        "--checks", ",".join(CHECKS),
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",   # hypothesis is not thread-safe everywhere (seen: AST recursion errors)
        "--request-timeout", "30",
        "--no-color",
        "--report", "junit", "--report-dir", str(REPORT_DIR),
    ]
    for operation_id in pending_operation_ids():
        command += ["--exclude-operation-id", operation_id]
    return command


def pending_operation_ids():
    """operationIds of NOT_YET_IMPLEMENTED: exact, so no other operation is left out."""
    with open(REPO / "openapi.yaml", encoding="utf-8") as source:
        paths = yaml.safe_load(source)["paths"]
    ids = [paths[path][method.lower()]["operationId"] for method, path in sorted(NOT_YET_IMPLEMENTED)]
    print("left out, not implemented yet:", ", ".join(ids))
    return ids


def test_implemented_operations_conform_and_never_fail_with_5xx(base_url, ca_cert, demo_key):
    require_module("schemathesis", "schemathesis>=4.0,<5")
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    # requests would let these override --tls-verify (see conftest's _StackSession).
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    # tus bodies (application/offset+octet-stream) are serialized as raw bytes (schemathesis_hooks.py).
    environment["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "Tests" / "http"), environment.get("PYTHONPATH")]))
    result = subprocess.run(schemathesis_command(base_url, ca_cert, demo_key), capture_output=True, text=True,
                            timeout=TIME_LIMIT_SECONDS, env=environment, cwd=REPORT_DIR)
    (REPORT_DIR / "output.txt").write_text(result.stdout + result.stderr)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-120:])
    assert result.returncode == 0, f"schemathesis found problems (full output in {REPORT_DIR}/output.txt):\n{tail}"
