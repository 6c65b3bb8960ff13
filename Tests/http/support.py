"""What every HTTP test needs: the running stack's details (from stack.env, exported by
scripts/test) and small helpers to call the API, mediactl and scripts/stackctl."""
import os
import subprocess

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_URL = os.environ.get("MEDIA_BASE_URL", "")
CA_CERT = os.environ.get("MEDIA_CA_CERT", "")
DEMO_KEY = os.environ.get("MEDIA_DEMO_KEY", "")
DATA_DIR = os.environ.get("MEDIA_DATA_DIR", "")
BIN_DIR = os.environ.get("MEDIA_BIN_DIR", "")

if not BASE_URL or not DEMO_KEY:
    raise RuntimeError("the HTTP tests run against a live stack: use ./scripts/test")

_session = requests.Session()
_session.verify = CA_CERT


def api(method, path, key=DEMO_KEY, key_style="bearer", headers=None, **kwargs):
    """One request through nginx; `key=None` sends no key."""
    headers = dict(headers or {})
    if key is not None:
        if key_style == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        else:
            headers["X-API-Key"] = key
    kwargs.setdefault("timeout", 30)
    kwargs.setdefault("allow_redirects", False)
    return _session.request(method, BASE_URL + path, headers=headers, **kwargs)


def mediactl(*arguments):
    return subprocess.run([os.path.join(BIN_DIR, "mediactl"), *arguments], capture_output=True, text=True, check=True)


def stackctl(action, service):
    return subprocess.run([os.path.join(REPO, "scripts", "stackctl"), DATA_DIR, action, service],
                          capture_output=True, text=True, check=True, timeout=120)
