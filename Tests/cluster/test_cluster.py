"""Faults under mixed load on the cluster that scripts/test-cluster builds.

Runs inside the client namespace. Each fault test starts a bounded load through the load
balancer, waits until the load is really flowing, applies one fault, waits for the service to
answer again, lifts the fault, stops the load, then checks: every upload answered 2xx is
readable with its bytes (or, after a crop, its new size), every job acknowledged finished
(`completed`, or `failed` with a reason), and `mediactl reconcile` reports 0 problems. One
summary line per fault is printed and kept in $CLUSTER_SUMMARY.
"""
import collections
import hashlib
import io
import os
import random
import re
import subprocess
import threading
import time

import requests
from PIL import Image

LB = os.environ["CLUSTER_LB_URL"]
CA = os.environ["CLUSTER_CA"]
KEY = os.environ["CLUSTER_KEY"]
ORG = os.environ.get("CLUSTER_ORG", "demo")
CTL = os.environ["CLUSTER_CTL"]
SUMMARY_FILE = os.environ.get("CLUSTER_SUMMARY")
APP_URLS = {"app1": os.environ["CLUSTER_APP1_URL"], "app2": os.environ["CLUSTER_APP2_URL"]}

THREADS = 4
MAX_REQUESTS = 4000          # per load, whatever happens
MAX_SECONDS = 240            # per load, whatever happens
TIMEOUT = 20                 # per request: a request to a host that vanished fails after this
HEADERS = {"Authorization": f"Bearer {KEY}"}


def ctl(*arguments, check=True):
    result = subprocess.run(["bash", CTL, "ctl", *arguments], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"ctl {arguments}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout.strip()


def jpeg(seed):
    rng = random.Random(seed)
    image = Image.new("RGB", (320 + rng.randrange(64), 240 + rng.randrange(48)),
                      (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def call(method, path, base=LB, **kwargs):
    return requests.request(method, base + path, headers=HEADERS, verify=CA, timeout=TIMEOUT, **kwargs)


class Load:
    """THREADS clients doing a mix of uploads (sync with variants, async), reads, lists and
    crops through the load balancer; each request's start, end and outcome is recorded."""

    def __init__(self, name, keep_alive=True):
        self.name = name
        self.keep_alive = keep_alive
        self.results = []            # (start, end, op, ok, status)
        self.uploads = {}            # media id -> sha256 of the bytes sent
        self.cropped = {}            # media id -> (width, height) after an answered crop
        self.crops_unanswered = set()  # media ids whose crop got no answer: it may have happened
        self.jobs = set()            # job ids answered 202
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.successes = threading.Condition(self.lock)
        self.ok_count = 0
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(THREADS)]
        self.started = time.monotonic()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 10)

    def wait_successes(self, count, what, timeout=120):
        """Waits until `count` more requests have succeeded (the event that says the service is
        answering), failing the test if that does not happen."""
        with self.lock:
            target = self.ok_count + count
            if not self.successes.wait_for(lambda: self.ok_count >= target, timeout):
                recent = [r[2:] for r in self.results[-10:]]
                raise AssertionError(f"{self.name}: fewer than {count} requests succeeded within {timeout}s "
                                     f"{what}; last answers (op, ok, status): {recent}")

    def _record(self, start, op, ok, status):
        with self.lock:
            self.results.append((start, time.monotonic(), op, ok, status))
            if ok:
                self.ok_count += 1
                self.successes.notify_all()

    def _done(self):
        return (self.stop_event.is_set() or len(self.results) >= MAX_REQUESTS
                or time.monotonic() - self.started > MAX_SECONDS)

    def _run(self, index):
        rng = random.Random(index * 7919 + int(self.started))
        session = requests.Session()
        session.headers.update(HEADERS)
        session.verify = CA
        session.trust_env = False   # else REQUESTS_CA_BUNDLE in the environment replaces verify
        if not self.keep_alive:
            session.headers["Connection"] = "close"
        n = 0
        while not self._done():
            n += 1
            op = rng.choices(["upload", "upload_async", "get", "list", "crop"], [3, 1, 3, 2, 1])[0]
            with self.lock:
                known = list(self.uploads)
            if op in ("get", "crop") and not known:
                op = "upload"
            start = time.monotonic()
            status = None
            try:
                ok, status = getattr(self, "_" + op)(session, rng, known, f"{self.name}-{index}-{n}")
            except requests.RequestException as error:
                ok, status = False, type(error).__name__
            self._record(start, op, ok, status)

    def _upload(self, session, rng, known, tag, asynchronous=False):
        data = jpeg(tag)
        fields = {"orgSlug": ORG, "generateVariants": "true"}
        if asynchronous:
            fields["async"] = "true"
        response = session.post(LB + "/api/v1/media/upload", files={"file": (f"{tag}.jpg", data, "image/jpeg")},
                                data=fields, timeout=TIMEOUT)
        if response.status_code in (201, 202):
            body = response.json()
            with self.lock:
                self.uploads[body["media"]["id"]] = hashlib.sha256(data).hexdigest()
                if body.get("jobId"):
                    self.jobs.add(body["jobId"])
        return response.status_code in (201, 202), response.status_code

    def _upload_async(self, session, rng, known, tag):
        return self._upload(session, rng, known, tag, asynchronous=True)

    def _get(self, session, rng, known, tag):
        response = session.get(LB + f"/api/v1/media/{rng.choice(known)}", timeout=TIMEOUT)
        return response.status_code == 200, response.status_code

    def _list(self, session, rng, known, tag):
        response = session.get(LB + "/api/v1/media/list", params={"limit": 20}, timeout=TIMEOUT)
        return response.status_code == 200, response.status_code

    def _crop(self, session, rng, known, tag):
        media_id = rng.choice(known)
        media = session.get(LB + f"/api/v1/media/{media_id}", timeout=TIMEOUT)
        if media.status_code != 200 or media.json()["status"] != "ready":
            return media.status_code == 200, media.status_code
        body = media.json()
        try:
            response = session.post(LB + "/api/v1/media/crop", timeout=TIMEOUT, json={
                "objectKey": body["objectKey"], "width": body["width"] // 2, "height": body["height"] // 2})
        except requests.RequestException:
            with self.lock:
                self.crops_unanswered.add(media_id)
            raise
        if response.status_code == 200:
            with self.lock:
                self.cropped[media_id] = (body["width"] // 2, body["height"] // 2)
        if response.status_code == 404:
            # Another client's crop replaced the original (new key) since this one read it.
            now = session.get(LB + f"/api/v1/media/{media_id}", timeout=TIMEOUT)
            superseded = now.status_code == 200 and now.json()["objectKey"] != body["objectKey"]
            return superseded, 404
        # 409: the media is being processed (an async job holds it): a correct answer.
        return response.status_code in (200, 409), response.status_code

    def longest_outage(self):
        """Longest stretch, in seconds, from the start of a failed request to the end of the
        next successful one that started after it."""
        ordered = sorted(self.results)
        longest, first_failure = 0.0, None
        for start, end, _op, ok, _status in ordered:
            if not ok and first_failure is None:
                first_failure = start
            elif ok and first_failure is not None and start >= first_failure:
                longest = max(longest, end - first_failure)
                first_failure = None
        if first_failure is not None:
            longest = max(longest, ordered[-1][1] - first_failure)
        return longest


def check_writes(load):
    """Every upload answered 2xx: its row is there, its original's bytes are those the row's
    checksum names, and they are the bytes sent (or, after an answered crop, of the crop's size;
    after a crop that got no answer, either). Returns the number of writes checked."""
    lost = []
    for media_id, digest in load.uploads.items():
        media = call("GET", f"/api/v1/media/{media_id}")
        if media.status_code != 200:
            lost.append((media_id, media.status_code))
            continue
        body = media.json()
        download = call("GET", f"/api/v1/media/download/{body['bucket']}/{body['objectKey']}")
        got = hashlib.sha256(download.content).hexdigest()
        if download.status_code != 200 or body["checksum"] != f"sha256:{got}":
            lost.append((media_id, f"row and bytes disagree ({download.status_code})"))
        elif media_id in load.crops_unanswered:
            continue
        elif media_id in load.cropped:
            if (body["width"], body["height"]) != load.cropped[media_id]:
                lost.append((media_id, "crop not kept"))
        elif got != digest:
            lost.append((media_id, "not the bytes sent"))
    assert not lost, f"acknowledged writes lost: {lost[:10]} ({len(lost)} in all)"
    return len(load.uploads)


def check_jobs(load, timeout=180):
    """Every job answered 202 ends completed, or failed with a reason. Returns jobs lost."""
    deadline = time.monotonic() + timeout
    pending = set(load.jobs)
    lost = []
    while pending and time.monotonic() < deadline:
        for job_id in sorted(pending):
            response = call("GET", f"/api/v1/media/job/{job_id}")
            if response.status_code == 404:
                lost.append(job_id)
                pending.discard(job_id)
            elif response.status_code == 200:
                job = response.json()
                if job["state"] == "completed" or (job["state"] == "failed" and job["failedReason"]):
                    pending.discard(job_id)
        if pending:
            time.sleep(0.5)   # the interval between polls of the job states, not a wait for a stage
    assert not lost and not pending, f"jobs lost {lost}, unfinished after {timeout}s {sorted(pending)}"
    return 0


RECONCILE = re.compile(r"missing (\d+), orphans (\d+), stale (\d+), pending (\d+), deleting (\d+), "
                       r"unindexed (\d+), miscounted (\d+)")


def reconcile_problems():
    output = ctl("reconcile", check=False)
    match = RECONCILE.search(output)
    assert match, f"reconcile printed no summary:\n{output}"
    return sum(map(int, match.groups())), output


def finish(load, fault):
    writes = check_writes(load)
    jobs_lost = check_jobs(load)
    problems, output = reconcile_problems()
    failures = collections.Counter(str(r[4]) for r in load.results if not r[3])
    failed = sum(failures.values())
    slowest = max(end - start for start, end, *_ in load.results)
    line = (f"fault {fault}: requests {len(load.results)}, failed {failed}"
            f"{' (' + ', '.join(f'{k} x{v}' for k, v in failures.most_common()) + ')' if failed else ''}, longest outage "
            f"{load.longest_outage():.1f} s, writes checked {writes}, jobs lost {jobs_lost}, "
            f"reconcile problems {problems}, slowest answer {slowest:.1f} s")
    print("\n" + line)
    if SUMMARY_FILE:
        with open(SUMMARY_FILE, "a") as out:
            out.write(line + "\n")
    assert problems == 0, output
    return failed


def test_a_write_through_one_host_is_read_at_once_through_the_other():
    data = jpeg("cross")
    made = requests.post(APP_URLS["app1"] + "/api/v1/media/upload", headers=HEADERS, verify=CA, timeout=TIMEOUT,
                         files={"file": ("cross.jpg", data, "image/jpeg")}, data={"orgSlug": ORG})
    assert made.status_code == 201, made.text
    media_id = made.json()["media"]["id"]
    # Read through app2 first, so its read cache holds the media, then change it through app1.
    assert call("GET", f"/api/v1/media/{media_id}", base=APP_URLS["app2"]).status_code == 200
    for round_ in range(20):
        alt = f"alt {round_}"
        patched = call("PATCH", f"/api/v1/media/{media_id}", base=APP_URLS["app1"], json={"alt": alt})
        assert patched.status_code == 200, patched.text
        seen = call("GET", f"/api/v1/media/{media_id}", base=APP_URLS["app2"])
        assert seen.status_code == 200 and seen.json()["alt"] == alt, (round_, seen.text)


def test_an_app_host_killed():
    with Load("app-host-killed") as load:
        load.wait_successes(30, "before the fault")
        ctl("kill-app", "app1")
        ctl("await-lb", "app1", "DOWN")
        load.wait_successes(30, "after app1 was killed")
        ctl("start-app", "app1")
        ctl("await-lb", "app1", "UP")
        load.wait_successes(30, "after app1 came back")
    failed = finish(load, "app host killed (kill -9 of every process)")
    # Only the requests app1 was serving can fail: the balancer re-sends refused connections.
    assert failed <= THREADS * 2, failed


def test_an_app_host_cut_off():
    with Load("app-host-cut-off") as load:
        load.wait_successes(30, "before the fault")
        ctl("link", "app2", "down")
        ctl("await-lb", "app2", "DOWN")
        load.wait_successes(30, "after app2 was cut off")
        ctl("link", "app2", "up")
        ctl("await-lb", "app2", "UP")
        load.wait_successes(30, "after app2 came back")
    finish(load, "app host cut off (ip link set down)")


def test_the_redis_primary_killed():
    before = ctl("redis-primary")
    with Load("redis-primary-killed") as load:
        load.wait_successes(30, "before the fault")
        ctl("kill-redis-primary")
        ctl("await-redis-failover", before)
        load.wait_successes(30, "after the failover")
    after = ctl("redis-primary")
    assert after != before
    # A write through one host is still read at once through the other after the failover.
    test_a_write_through_one_host_is_read_at_once_through_the_other()
    ctl("start-redis", before)
    finish(load, f"redis primary killed ({before} -> {after})")


def test_a_galera_node_killed_then_another_restarted():
    with Load("galera-node-killed") as load:
        load.wait_successes(30, "before the fault")
        ctl("kill-db", "db1")
        load.wait_successes(30, "after db1 was killed")
        ctl("start-db", "db1")
        load.wait_successes(20, "while db1 rejoins")
        ctl("restart-db", "db2")
        load.wait_successes(30, "after db2 restarted")
    finish(load, "galera node killed, then another restarted")


def test_the_s3_server_paused_for_10_seconds():
    with Load("s3-paused") as load:
        load.wait_successes(30, "before the fault")
        ctl("pause-s3", "10")
        load.wait_successes(30, "after S3 resumed")
    finish(load, "S3 server paused 10 s")


def test_a_rolling_upgrade_with_an_expand_only_migration():
    """app1 is drained, stopped, switched to the new release (scripts/test-cluster builds this
    tree plus one expand-only migration, 9100), migrated with its mediactl and started again
    while app2 still runs the release that does not know the migration; then app2. Nothing
    fails. The clients open a connection per request, as a balancer's drain needs (a kept-alive
    connection would stay on the drained host)."""
    old = ctl("api-binary", "app1")
    assert old and old == ctl("api-binary", "app2"), (old, ctl("api-binary", "app2"))
    with Load("rolling-upgrade", keep_alive=False) as load:
        load.wait_successes(30, "before the upgrade")
        ctl("upgrade", "app1")
        new = ctl("api-binary", "app1")
        assert "cluster-next" in new and new != old, new
        assert ctl("api-binary", "app2") == old, "app2 still runs the old release"
        assert ctl("db-query", "SELECT version FROM media.schema_migrations WHERE version = 9100") == "9100"
        load.wait_successes(30, "with app1 upgraded and app2 on the old release")
        ctl("upgrade", "app2")
        assert ctl("api-binary", "app2") == new
        load.wait_successes(30, "after both hosts were upgraded")
    assert ctl("db-query", "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'media' "
                           "AND table_name = 'media' AND column_name = 'upgrade_note'") == "1"
    failed = finish(load, "rolling upgrade (migration 9100 in a new build, app1 then app2)")
    assert failed == 0
