"""What every HTTP test needs: the running stack's details (from stack.env, exported by
scripts/test) and small helpers to call the API, mediactl and scripts/stackctl. The pytest
fixtures in conftest.py hand out these same helpers."""
import json
import os
import re
import subprocess
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_URL = os.environ.get("MEDIA_BASE_URL", "").rstrip("/")
CA_CERT = os.environ.get("MEDIA_CA_CERT", "")
DEMO_KEY = os.environ.get("MEDIA_DEMO_KEY", "")
DATA_DIR = os.environ.get("MEDIA_DATA_DIR", "")
BIN_DIR = os.environ.get("MEDIA_BIN_DIR", "")
HOLD_DIR = os.environ.get("MEDIA_TEST_HOLD_DIR", "")


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


def wait_for(condition, timeout, what, interval=0.02):
    """Polls `condition` until it returns something truthy, and returns that; fails naming
    `what` after `timeout` seconds. For waiting on an event another process makes happen."""
    deadline = time.time() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError(f"after {timeout} s still waiting for {what}")
        time.sleep(interval)


class Hold:
    """Holds the next request or job that reaches `stage` for `subject` (a filename or a media
    id; "" for any) at that stage of the service, until `release()`: the service side is
    Sources/MediaApp/HoldPoint.swift, armed through files in the test stack's hold folder.

        with Hold("upload.objects-written", subject=filename) as hold:
            ...start the request...
            held = hold.wait()          # it is there now: {"pid": ..., "subject": ..., "stage": ...}
            ...inject the fault...
            hold.release()
    """

    def __init__(self, stage, subject=""):
        assert HOLD_DIR and os.path.isdir(HOLD_DIR), "the test stack sets MEDIA_TEST_HOLD_DIR to an existing folder"
        self.stage = stage
        self.base = os.path.join(HOLD_DIR, stage)
        self.held = None
        for suffix in (".held", ".release"):
            self._remove(suffix)
        temporary = self.base + ".arm.tmp"
        with open(temporary, "w") as f:
            f.write(subject)
        os.rename(temporary, self.base + ".arm")

    def _remove(self, suffix):
        try:
            os.unlink(self.base + suffix)
        except FileNotFoundError:
            pass

    def _read_held(self):
        try:
            with open(self.base + ".held") as f:
                return json.loads(f.read())
        except (FileNotFoundError, ValueError):
            return None

    def wait(self, timeout=120, unless=None):
        """Waits until a process is held at the stage and returns what it wrote. `unless` (a
        callable) ends the wait early with a failure once it is true, e.g. "the request has
        already answered", so a request that never reached the stage fails the test at once."""
        def held():
            if unless is not None and unless():
                raise AssertionError(f"the work finished without reaching the stage {self.stage}")
            return self._read_held()

        self.held = wait_for(held, timeout, f"a request held at {self.stage}")
        return self.held

    def release(self, acknowledged=True):
        """Lets the held process go on; with `acknowledged`, waits until it has (it removes the
        files), so the next hold of the stage cannot be confused with this one."""
        with open(self.base + ".release", "w"):
            pass
        if acknowledged:
            wait_for(lambda: not os.path.exists(self.base + ".held"), 60, f"the release at {self.stage}")

    def close(self):
        """Disarms the stage. A process still held is released (it removes the files); the
        files of one that was killed while held are removed here."""
        self._remove(".arm")
        holder = (self._read_held() or {}).get("pid")
        if holder and os.path.exists(f"/proc/{holder}"):
            self.release(acknowledged=False)
        else:
            self._remove(".held")
            self._remove(".release")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
