"""The FastCGI process pool: restarts, recycling, draining and rolling, driven over FastCGI
directly against a pool of its own (own socket, small quotas) so the timings are its alone."""
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

import fastcgi_client
from support import children

BIN_DIR = os.environ.get("MEDIA_BIN_DIR", "")


class Pool:
    def __init__(self, tmp_path, **overrides):
        self.socket = str(tmp_path / "pool.sock")
        self.log_path = tmp_path / "pool.log"
        env = dict(os.environ)
        env.update({"API_SOCKET": self.socket, "API_SOCKET_MODE": "0600", "API_WORKERS": "2", "API_THREADS": "2",
                    "API_SHUTDOWN_TIMEOUT_SECONDS": "10"})
        env.update({k: str(v) for k, v in overrides.items()})
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([os.path.join(BIN_DIR, "media-api")], env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline and len(self.workers()) < int(env["API_WORKERS"]):
            time.sleep(0.05)
        self.wait_until_serving()

    def workers(self):
        return children(self.process.pid)

    def wait_until_serving(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.get("/api/v1/nope").status == 404:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("pool did not serve in time:\n" + self.log_text())

    def get(self, uri, **kw):
        return fastcgi_client.request(self.socket, "GET", uri, **kw)

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
def make_pool(tmp_path):
    pools = []

    def make(**overrides):
        pool = Pool(tmp_path, **overrides)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop()


class Load:
    """Client threads sending requests until stopped; counts outcomes."""

    def __init__(self, pool, threads=4, uri="/api/v1/nope"):
        self.pool, self.uri = pool, uri
        self.ok = self.failed = self.refused = 0
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self):
        while self.running:
            connected = []
            try:
                response = fastcgi_client.request(self.pool.socket, "GET", self.uri, connected=lambda: connected.append(1))
                outcome = "ok" if response.status == 404 and response.json()["error"]["code"] == "not_found" else "failed"
            except (ConnectionError, OSError, ValueError):
                outcome = "failed" if connected else "refused"
            with self.lock:
                setattr(self, outcome, getattr(self, outcome) + 1)

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=15)


def test_killed_worker_is_replaced_within_two_seconds_and_only_in_flight_requests_fail(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    before = pool.workers()
    load = Load(pool)
    time.sleep(0.5)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.time()
    while time.time() - killed_at < 2 and (victim in pool.workers() or len(pool.workers()) < 2):
        time.sleep(0.02)
    replaced_after = time.time() - killed_at
    time.sleep(0.5)
    load.stop()
    after = pool.workers()
    assert victim not in after and len(after) == 2, f"workers {before} -> {after}"
    assert replaced_after < 2, f"replacement took {replaced_after:.2f}s"
    # At most the requests in flight on the killed worker (one per thread) may fail.
    assert load.failed <= 2, f"{load.failed} failed requests"
    assert load.ok > 50
    assert '"event":"worker died"' in pool.log_text()


def test_worker_is_recycled_after_its_request_quota(make_pool):
    pool = make_pool(API_WORKERS=1, API_THREADS=1, API_MAX_REQUESTS=25)
    seen = set(pool.workers())
    for _ in range(80):
        for attempt in range(50):
            try:
                assert pool.get("/api/v1/nope").status == 404
                break
            except OSError:
                time.sleep(0.02)
        seen.update(pool.workers())
    assert len(seen) >= 3, f"worker pids seen: {seen}"
    assert pool.log_text().count('"event":"worker recycled"') >= 2


def test_sigterm_finishes_a_request_already_accepted(make_pool):
    pool = make_pool(API_WORKERS=1, API_THREADS=1)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(pool.socket)
    begin = fastcgi_client._record(fastcgi_client.BEGIN_REQUEST, 1, struct.pack(">HB5x", 1, 0))
    params = b"".join(fastcgi_client._name_value(k, v) for k, v in
                      {"REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v1/nope", "QUERY_STRING": ""}.items())
    sock.sendall(begin + fastcgi_client._record(fastcgi_client.PARAMS, 1, params))
    time.sleep(0.5)                      # the worker has accepted and is reading the request
    pool.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    sock.sendall(fastcgi_client._record(fastcgi_client.PARAMS, 1) + fastcgi_client._record(fastcgi_client.STDIN, 1))
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    assert b"Status: 404" in data and b'"code":"not_found"' in data
    assert pool.process.wait(timeout=15) == 0


def test_sigterm_under_load_fails_no_connected_request(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    load = Load(pool, threads=6)
    time.sleep(1)
    pool.process.send_signal(signal.SIGTERM)
    assert pool.process.wait(timeout=20) == 0
    load.stop()
    assert load.ok > 50
    assert load.failed == 0, f"{load.failed} requests failed after their connection was accepted"
    assert not os.path.exists(pool.socket)


def test_sighup_replaces_every_worker_without_failures(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    before = set(pool.workers())
    load = Load(pool, threads=4)
    time.sleep(0.5)
    pool.process.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while time.time() < deadline and (set(pool.workers()) & before or len(pool.workers()) != 2):
        time.sleep(0.1)
    time.sleep(0.5)
    load.stop()
    after = set(pool.workers())
    assert not (after & before) and len(after) == 2, f"{before} -> {after}"
    assert load.failed == 0 and load.refused == 0, f"failed {load.failed}, refused {load.refused}"
    assert load.ok > 50


@pytest.mark.parametrize("setting,value", [("API_WORKERS", "0"), ("DB_PORT", "http"), ("CDN_BASE_URL", "cdn"), ("S3_BUCKET", "")])
def test_bad_configuration_stops_start_up_with_one_line_naming_the_setting(setting, value, tmp_path):
    env = dict(os.environ)
    env[setting] = value
    env["API_SOCKET"] = str(tmp_path / "never.sock")
    result = subprocess.run([os.path.join(BIN_DIR, "media-api")], env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and lines[0].startswith("media-api: configuration error"), result.stderr
    assert not os.path.exists(env["API_SOCKET"])
