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
import subprocess

import pytest
import requests

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


class _StackSession(requests.Session):
    """A session that always verifies against the stack's CA. Setting session.verify is not
    enough: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE from the environment override
    it, and machines here set them to the system bundle."""

    def __init__(self, ca_cert):
        super().__init__()
        self.verify = ca_cert

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


@pytest.fixture(scope="session")
def http(ca_cert):
    session = _StackSession(ca_cert)
    yield session
    session.close()


_DEFAULT = object()


@pytest.fixture(scope="session")
def api(http, base_url, demo_key):
    def call(method, path, key=_DEFAULT, timeout=30, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is _DEFAULT:
            key = demo_key
        if key is not None:
            headers.setdefault("Authorization", "Bearer " + key)
        url = path if path.startswith("http") else base_url + path
        return http.request(method, url, headers=headers, timeout=timeout, **kwargs)

    return call


@pytest.fixture(scope="session")
def stackctl(data_dir):
    script = REPO / "scripts" / "stackctl"

    def run(action, service, check=True):
        result = subprocess.run(
            ["bash", str(script), str(data_dir), action, service],
            capture_output=True, text=True, timeout=180,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                "stackctl %s %s failed (%d):\n%s%s"
                % (action, service, result.returncode, result.stdout, result.stderr)
            )
        return result

    return run


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
