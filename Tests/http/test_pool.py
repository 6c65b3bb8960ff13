"""The FastCGI process pool: restarts, recycling, draining and rolling, driven over FastCGI
directly against a pool of its own (own socket, small quotas) so the timings are its alone."""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid

import pytest
import requests

import fastcgi_client
from support import Hold, api, children, wait_for

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
        wait_for(lambda: len(self.workers()) >= int(env["API_WORKERS"]), 30, f"{env['API_WORKERS']} workers")
        self.wait_until_serving()

    def workers(self):
        return children(self.process.pid)

    def wait_until_serving(self, timeout=30):
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

    def events(self, name):
        """The pool's JSON log lines whose event is `name`."""
        found = []
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("event") == name:
                found.append(entry)
        return found

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

    def wait_for_answers(self, count, timeout=60):
        """Waits until `count` more requests have been answered correctly: the load really runs."""
        target = self.ok + count
        wait_for(lambda: self.ok >= target, timeout, f"{count} answered requests (have {self.ok}, failed {self.failed})")


def test_killed_worker_is_replaced_and_only_in_flight_requests_fail(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    before = pool.workers()
    load = Load(pool)
    load.wait_for_answers(20)            # the load is running when the worker dies
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.time()
    wait_for(lambda: victim not in pool.workers() and len(pool.workers()) == 2, 30, "a replacement worker")
    replaced_after = time.time() - killed_at
    load.wait_for_answers(20)            # and the pool serves on after it
    load.stop()
    after = pool.workers()
    print(f"killed worker replaced after {replaced_after:.2f} s (the master's restart backoff starts at 0)")
    assert victim not in after and len(after) == 2, f"workers {before} -> {after}"
    # At most the requests in flight on the killed worker (one per thread) may fail.
    assert load.failed <= 2, f"{load.failed} failed requests"
    assert '"event":"worker died"' in pool.log_text()


def test_worker_is_recycled_after_its_request_quota(make_pool):
    pool = make_pool(API_WORKERS=1, API_THREADS=1, API_MAX_REQUESTS=25)
    seen = set(pool.workers())

    def answered():
        try:
            return pool.get("/api/v1/nope").status == 404
        except OSError:
            return False                 # between a recycled worker and its successor

    for _ in range(80):
        wait_for(answered, 30, "an answer from the pool")
        seen.update(pool.workers())
    assert len(seen) >= 3, f"worker pids seen: {seen}"
    assert pool.log_text().count('"event":"worker recycled"') >= 2


def test_sigterm_finishes_a_request_already_accepted(make_pool):
    pool = make_pool(API_WORKERS=1, API_THREADS=1)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(pool.socket)
    begin = fastcgi_client._record(fastcgi_client.BEGIN_REQUEST, 1, struct.pack(">HB5x", 1, 0))
    params = b"".join(fastcgi_client._name_value(k, v) for k, v in
                      {"REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v1/nope", "QUERY_STRING": ""}.items())
    sock.sendall(begin + fastcgi_client._record(fastcgi_client.PARAMS, 1, params))
    # The worker has taken the connection off the listen queue and waits for the rest.
    wait_for(lambda: listen_queue_length(pool.socket) == 0, 30, "the worker to accept the connection")
    pool.process.send_signal(signal.SIGTERM)
    wait_for(lambda: pool.events("worker draining"), 30, "the worker to start draining")
    sock.sendall(fastcgi_client._record(fastcgi_client.PARAMS, 1) + fastcgi_client._record(fastcgi_client.STDIN, 1))
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    assert b"Status: 404" in data and b'"code":"not_found"' in data
    assert pool.process.wait(timeout=30) == 0


def listen_queue_length(path):
    """Connections waiting in the kernel's accept queue of the listening socket at `path`
    (Recv-Q of `ss -xl`), or None when no such socket listens."""
    listing = subprocess.run(["ss", "-xlnH"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if path in fields:
            return int(fields[2])
    return None


def test_sigterm_under_load_fails_no_connected_request(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    load = Load(pool, threads=6)
    load.wait_for_answers(20)            # the load is running when the pool is told to stop
    pool.process.send_signal(signal.SIGTERM)
    assert pool.process.wait(timeout=30) == 0
    load.stop()
    assert load.failed == 0, f"{load.failed} requests failed after their connection was accepted"
    assert not os.path.exists(pool.socket)


def test_sighup_replaces_every_worker_without_failures(make_pool):
    pool = make_pool(API_WORKERS=2, API_THREADS=2)
    before = set(pool.workers())
    load = Load(pool, threads=4)
    load.wait_for_answers(20)
    pool.process.send_signal(signal.SIGHUP)
    wait_for(lambda: not (set(pool.workers()) & before) and len(pool.workers()) == 2, 60, "every worker replaced")
    load.wait_for_answers(20)            # the new workers serve
    load.stop()
    after = set(pool.workers())
    assert not (after & before) and len(after) == 2, f"{before} -> {after}"
    assert load.failed == 0 and load.refused == 0, f"failed {load.failed}, refused {load.refused}"


def test_sighup_lets_a_long_request_finish_on_its_old_worker(make_pool):
    """A reload while an upload is half done (held after its objects are written): the old
    worker stays until the upload has answered 201, and the media is there."""
    from media_helpers import jpeg, ORG
    pool = make_pool(API_WORKERS=1, API_THREADS=2, API_SHUTDOWN_TIMEOUT_SECONDS=120)
    before = set(pool.workers())
    filename = f"reload-{uuid.uuid4().hex[:12]}.jpg"
    prepared = requests.Request("POST", "http://pool/api/v1/media/upload",
                                files={"file": (filename, jpeg(800, 600), "application/octet-stream")},
                                data={"orgSlug": ORG, "generateVariants": "true"}).prepare()
    headers = {"Content-Type": prepared.headers["Content-Type"], "Authorization": f"Bearer {os.environ['MEDIA_DEMO_KEY']}"}
    result = {}

    def send():
        result["response"] = fastcgi_client.request(pool.socket, "POST", "/api/v1/media/upload", headers=headers,
                                                    body=prepared.body, timeout=180)

    with Hold("upload.objects-written", subject=filename) as hold:
        sender = threading.Thread(target=send)
        sender.start()
        holder = hold.wait(unless=lambda: "response" in result)["pid"]
        assert holder in before, f"held by {holder}, not by the pool's worker {before}"
        pool.process.send_signal(signal.SIGHUP)
        # The reload has happened: a new worker serves, the old one drains with the upload held.
        wait_for(lambda: set(pool.workers()) - before, 60, "a new worker after SIGHUP")
        wait_for(lambda: any(e.get("pid") == str(holder) for e in pool.events("worker draining")), 60,
                 "the old worker to start draining")
        assert os.path.exists(f"/proc/{holder}"), "the old worker left before its request answered"
        assert pool.get("/api/v1/nope").status == 404
        hold.release()
        sender.join(timeout=180)
    response = result["response"]
    assert response.status == 201, response.body[:500]
    media = response.json()["media"]
    wait_for(lambda: holder not in pool.workers(), 60, "the old worker to exit once its request is done")
    import support
    assert support.api("GET", f"/api/v1/media/{media['id']}").json()["status"] == "ready"
    support.api("DELETE", "/api/v1/media/", params={"id": media["id"]})


def test_made_up_methods_add_no_metrics_series(make_pool):
    """Any token is an HTTP method: past nginx (which refuses them), the pool still counts
    them under one label, so they cannot grow /metrics."""
    pool = make_pool(API_WORKERS=1, API_THREADS=1)
    for index in range(40):
        assert fastcgi_client.request(pool.socket, f"MADEUP{index}", "/api/v1/nope").status == 404
    text = pool.get("/metrics").body.decode()
    assert "MADEUP" not in text
    assert re.search(r'media_http_requests_total\{route="-",method="OTHER",status="404"\} 40\b', text), \
        [line for line in text.splitlines() if line.startswith("media_http_requests_total")]


def mariadb_connections():
    """Connections MariaDB has accepted since it started."""
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={os.environ['MEDIA_DB_ADMIN_SOCKET']}", "--user=root", "-N", "-e",
                          "SHOW GLOBAL STATUS LIKE 'Connections'"], capture_output=True, text=True, check=True).stdout
    return int(out.split()[1])


def redis_connections():
    """Connections Redis has accepted since it started."""
    out = subprocess.run(["redis-cli", "-h", os.environ["REDIS_HOST"], "-p", os.environ["REDIS_PORT"], "INFO", "stats"],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"total_connections_received:(\d+)", out).group(1))


def test_healthz_probes_once_a_second_on_kept_connections(make_pool):
    """Anonymous /healthz cannot make a worker open connections per request: one probe run
    answers for a second, and the probes keep their connections between runs."""
    pool = make_pool(API_WORKERS=1, API_THREADS=2)
    database, redis = mariadb_connections(), redis_connections()
    rounds = 8
    for _ in range(rounds):
        statuses = [pool.get("/healthz").status for _ in range(25)]
        assert statuses == [200] * 25, statuses
        time.sleep(1.1)   # past the second a result is reused: the next round probes again
    opened = (mariadb_connections() - database, redis_connections() - redis)
    print(f"{rounds * 25} health checks in {rounds} rounds opened {opened[0]} MariaDB and {opened[1]} Redis connections")
    # The first run opens one of each and the count's own client one more; fresh
    # connections per run would be one per round (8 or more).
    assert opened[0] <= 3 and opened[1] <= 3, opened


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


def test_an_allowed_svg_ends_ready_whether_its_variants_are_sync_or_async(make_pool):
    """SVG is allowed here (a pool of its own): it is no raster image, so it gets no variants
    either way. Async with variants once queued a job that could only fail, leaving the media
    `failed` where the same upload sync was `ready`."""
    from media_helpers import ORG
    pool = make_pool(UPLOAD_ALLOWED_TYPES="jpeg,png,svg", API_WORKERS=1, API_THREADS=2)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    statuses = {}
    for mode in ("sync", "async"):
        prepared = requests.Request("POST", "http://pool/api/v1/media/upload",
                                    files={"file": (f"shape-{mode}.svg", svg, "application/octet-stream")},
                                    data={"orgSlug": ORG, "generateVariants": "true", "async": str(mode == "async").lower()}
                                    ).prepare()
        headers = {"Content-Type": prepared.headers["Content-Type"], "Authorization": f"Bearer {os.environ['MEDIA_DEMO_KEY']}"}
        answer = fastcgi_client.request(pool.socket, "POST", "/api/v1/media/upload", headers=headers, body=prepared.body,
                                        timeout=60)
        assert answer.status == 201, answer.body
        media = answer.json()["media"]
        assert answer.json()["jobId"] is None and media["mimeType"] == "image/svg+xml" and media["variants"] == []
        statuses[mode] = api("GET", f"/api/v1/media/{media['id']}").json()["status"]
    assert statuses == {"sync": "ready", "async": "ready"}


@pytest.mark.parametrize("level", ["warning", "info", "debug"])
def test_log_level_chooses_the_lines_and_every_line_is_one_json_object(make_pool, level):
    pool = make_pool(API_WORKERS=1, API_THREADS=1, LOG_LEVEL=level)
    assert pool.get("/api/v1/nope", headers={"X-Request-Id": f"log-{level}"}).status == 404
    pool.get("/healthz")                 # opens database and Redis connections: debug lines
    victim = pool.workers()[0]
    os.kill(victim, signal.SIGKILL)      # "worker died" is an error: written at every level
    wait_for(lambda: pool.events("worker died"), 30, "the worker died line")
    lines = pool.log_text().splitlines()
    entries = [json.loads(line) for line in lines]       # raises on any line that is not JSON
    assert all(isinstance(entry, dict) and entry.get("time") and entry.get("event") for entry in entries), lines
    levels = {entry["level"] for entry in entries}
    for shown in sorted(levels):         # one line of each level, for the run's record
        print(f"LOG_LEVEL={level}:", next(line for line, entry in zip(lines, entries) if entry["level"] == shown))
    requests_logged = [entry for entry in entries if entry["event"] == "request" and entry.get("requestId") == f"log-{level}"]
    if level == "warning":
        assert levels <= {"warning", "error", "critical"} and not requests_logged, lines
    else:
        assert requests_logged and requests_logged[0]["status"] == 404, lines
        assert ("debug" in levels) == (level == "debug"), lines
