"""Fixtures for HTTP tests against a running stack.

scripts/test starts a stack and runs pytest with the stack's stack.env in the
environment. Against a development stack:  set -a; . .data/stack.env; set +a; pytest Tests/http

Fixtures:
  stack_env     the stack's settings (a dict of the environment's MEDIA_*/STACK_*/service keys)
  base_url      https://localhost:PORT (MEDIA_BASE_URL)
  ca_cert       path of the local CA (MEDIA_CA_CERT); TLS is verified for real
  demo_key      API key of org "demo" (MEDIA_DEMO_KEY)
  http          a requests.Session that trusts the CA
  api           api(method, path, key=<demo key>, **requests_kwargs) -> Response;
                key=None sends no key
  stackctl      stackctl(action, service) runs scripts/stackctl on this stack's folder
  stopped       context manager: `with stopped("redis"): ...` stops a service and
                starts it again afterwards, whatever the test did
"""
import contextlib
import os
import pathlib

import pytest

import support

REPO = pathlib.Path(__file__).resolve().parents[2]
REQUIRED = ("MEDIA_BASE_URL", "MEDIA_CA_CERT", "MEDIA_DEMO_KEY", "MEDIA_DATA_DIR", "MEDIA_BIN_DIR")


@pytest.fixture(scope="session")
def stack_env():
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        # A failure, not a skip: a run without a stack must not look green.
        pytest.fail(
            "no stack in the environment (missing %s): run scripts/test, or "
            "`set -a; . .data/stack.env; set +a` before pytest" % ", ".join(missing),
            pytrace=False,
        )
    return dict(os.environ)


@pytest.fixture(scope="session", autouse=True)
def require_stack(stack_env):
    """Every HTTP test needs the live stack; without it the run fails loudly."""


@pytest.fixture(scope="session")
def base_url(stack_env):
    return stack_env["MEDIA_BASE_URL"].rstrip("/")


@pytest.fixture(scope="session")
def ca_cert(stack_env):
    return stack_env["MEDIA_CA_CERT"]


@pytest.fixture(scope="session")
def demo_key(stack_env):
    return stack_env["MEDIA_DEMO_KEY"]


@pytest.fixture(scope="session")
def data_dir(stack_env):
    return pathlib.Path(stack_env["MEDIA_DATA_DIR"])


@pytest.fixture(scope="session")
def bin_dir(stack_env):
    return pathlib.Path(stack_env["MEDIA_BIN_DIR"])


@pytest.fixture(scope="session")
def http(ca_cert):
    session = support.StackSession(ca_cert)
    yield session
    session.close()


@pytest.fixture(scope="session")
def api(stack_env):
    return support.api


@pytest.fixture(scope="session")
def stackctl(stack_env):
    return support.stackctl


@pytest.fixture
def stopped(stackctl):
    @contextlib.contextmanager
    def stop(service):
        stackctl("stop", service)
        try:
            yield
        finally:
            stackctl("start", service)

    return stop


def pytest_terminal_summary(terminalreporter):
    """Suites that report one figure line (the fault suite) print it at the end of the run."""
    try:
        from test_faults import SUMMARY
    except ImportError:
        return
    for line in SUMMARY:
        terminalreporter.write_line(line)
