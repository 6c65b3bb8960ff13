"""Property-based tests of the live stack from openapi.yaml with schemathesis: every check
(no 5xx; status, content type, headers and body as documented; schema-valid requests accepted
and schema-violating ones refused; 405 with Allow for undeclared methods; keys really needed)
in every phase (examples, coverage, fuzzing, stateful), 30 examples per operation, authenticated
with the demo key. The settings are the repository's schemathesis.toml, so
`schemathesis run openapi.yaml` by hand (with stack.env exported) runs exactly this. Operations
in test_openapi.NOT_YET_IMPLEMENTED are left out, by name.

About 30 s on two cores with a fixed seed (a failure replays the same way) and one worker. The
report is in test-artifacts/schemathesis/."""
import os
import pathlib
import re
import subprocess
import sys
import tomllib

import yaml

from installs import require_module
from test_openapi import NOT_YET_IMPLEMENTED

REPO = pathlib.Path(__file__).resolve().parents[2]
CONFIG = REPO / "schemathesis.toml"
REPORT_DIR = REPO / "test-artifacts" / "schemathesis"
PHASES = ["Examples", "Coverage", "Fuzzing", "Stateful"]
MIN_EXAMPLES = 30
TIME_LIMIT_SECONDS = 600


def schemathesis_command():
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", str(REPO / "openapi.yaml"),
        "--no-color", "--report", "junit", "--report-dir", str(REPORT_DIR),
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


def test_the_configuration_asks_for_every_check_and_phase():
    with open(CONFIG, "rb") as source:
        config = tomllib.load(source)
    assert config["checks"] == {"enabled": True}, "every check, none switched off"
    assert config["phases"] == {"enabled": True}, "every phase, none switched off"
    assert config["generation"]["max-examples"] >= MIN_EXAMPLES
    for operation in config.get("operations", []):
        assert "phases" not in operation and "enabled" not in operation, "no operation is left out by the configuration"


def test_implemented_operations_conform_and_never_fail_with_5xx(base_url, ca_cert, demo_key):
    require_module("schemathesis", "schemathesis>=4.0,<5")
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    # requests would let these override tls-verify (see support.StackSession).
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    result = subprocess.run(schemathesis_command(), capture_output=True, text=True,
                            timeout=TIME_LIMIT_SECONDS, env=environment, cwd=REPORT_DIR)
    output = result.stdout + result.stderr
    (REPORT_DIR / "output.txt").write_text(output)
    tail = "\n".join(output.splitlines()[-120:])
    assert result.returncode == 0, f"schemathesis found problems (full output in {REPORT_DIR}/output.txt):\n{tail}"
    # Green must mean tested: each phase ran (a phase with nothing to do says "Skipped").
    for phase in PHASES:
        assert re.search(rf"✅\s+{phase}\b", output), f"the {phase} phase did not run and pass:\n{tail}"
    assert f"Base URL:         {base_url}" in output, "schemathesis ran against another address"
