"""What every HTTP test needs: the running stack's details (from stack.env, exported by
scripts/test) and small helpers to call the API, mediactl and scripts/stackctl. The pytest
fixtures in conftest.py hand out these same helpers."""
import os
import re
import subprocess

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_URL = os.environ.get("MEDIA_BASE_URL", "").rstrip("/")
CA_CERT = os.environ.get("MEDIA_CA_CERT", "")
DEMO_KEY = os.environ.get("MEDIA_DEMO_KEY", "")
DATA_DIR = os.environ.get("MEDIA_DATA_DIR", "")
BIN_DIR = os.environ.get("MEDIA_BIN_DIR", "")


class StackSession(requests.Session):
    """Verifies TLS against the stack's CA on every request. Setting session.verify is not
    enough: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE from the environment override it."""

    def __init__(self, ca_cert=CA_CERT):
        super().__init__()
        self.verify = ca_cert or True

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


SESSION = StackSession()
_DEFAULT = object()


def api(method, path, key=_DEFAULT, key_style="bearer", headers=None, **kwargs):
    """One request through nginx; `key=None` sends no key, the default is the demo key."""
    headers = dict(headers or {})
    if key is _DEFAULT:
        key = DEMO_KEY
    if key is not None:
        if key_style == "bearer":
            headers.setdefault("Authorization", f"Bearer {key}")
        else:
            headers.setdefault("X-API-Key", key)
    kwargs.setdefault("timeout", 60)
    kwargs.setdefault("allow_redirects", False)
    url = path if path.startswith("http") else BASE_URL + path
    return SESSION.request(method, url, headers=headers, **kwargs)


def mediactl(*arguments):
    return subprocess.run([os.path.join(BIN_DIR, "mediactl"), *arguments], capture_output=True, text=True, check=True)


def children(pid):
    """The child processes of `pid` (a pool master's workers), sorted; [] once it is gone."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return sorted(int(child) for child in f.read().split())
    except FileNotFoundError:
        return []


def service_master(service):
    """The main pid of a service of the test stack (for api and worker: the pool master)."""
    return int(stackctl("pid", service).stdout.strip())


def pool_children(service):
    """The worker processes of a pool service (api or worker) of the test stack."""
    return children(service_master(service))


def stackctl(action, service, check=True):
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "stackctl"), DATA_DIR, action, service],
                            capture_output=True, text=True, timeout=180)
    if check and result.returncode != 0:
        raise AssertionError(f"stackctl {action} {service} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$")


def scrape():
    """/metrics as (text, {series: value}), checking it is the Prometheus text format."""
    response = api("GET", "/metrics", key=None)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in response.text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = METRIC_LINE.match(line)
        assert match, f"not exposition format: {line!r}"
        values[match.group(1)] = float(match.group(2))
    return response.text, values
