"""The Debian package under a real systemd, in the container scripts/test-systemd booted:
the units as shipped, driven with systemctl as an operator would. The tests run in file
order (each leaves the services running); every figure they measure is printed.

Environment (from scripts/test-systemd): BOOT_LEADER (the container's systemd, a host pid),
BOOT_NEXT_DEB (version N+1 inside the container), MEDIA_BASE_URL (the container's nginx),
and the test stack's settings (its MariaDB, Redis and S3 are the container's)."""
import json
import os
import re
import subprocess
import threading
import time
import uuid

import requests

import support
from media_helpers import jpeg, s3, upload, uploaded
from support import Hold, api, wait_for

LEADER = os.environ["BOOT_LEADER"]
VARIANTS = ["thumbnail", "small", "medium", "large", "original_webp"]


def inside(*command, check=True, timeout=180):
    """A command in the container, as root, in its namespaces (pids are the container's)."""
    result = subprocess.run(["nsenter", "--target", LEADER, "--mount", "--uts", "--ipc", "--net", "--pid", "--",
                             "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *command],
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def show(unit, prop):
    return inside("systemctl", "show", "-p", prop, "--value", unit).stdout.strip()


def children(pid):
    """Child pids of a container process (a pool master's workers)."""
    text = inside("cat", f"/proc/{pid}/task/{pid}/children", check=False).stdout
    return sorted(int(child) for child in text.split())


def host_pid(container_pid):
    """The host's pid of a process in the container's pid namespace (NSpid: host ... inner)."""
    namespace = os.readlink(f"/proc/{LEADER}/ns/pid")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != namespace:
                continue
            with open(f"/proc/{entry}/status") as f:
                nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
        except (OSError, StopIteration):   # gone, or a process of the host we may not inspect
            continue
        if int(nspid[-1]) == container_pid:
            return int(entry)
    raise AssertionError(f"no host pid for container pid {container_pid}")


def arm_holds(unit):
    """Points the Hold helper at the unit's private /tmp (PrivateTmp=yes), where the service
    looks for the test-only hold files (MEDIA_TEST_HOLD_DIR=/tmp/holds in config.env)."""
    folder = f"/proc/{host_pid(int(show(unit, 'MainPID')))}/root/tmp/holds"
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o777)   # not sticky: the service renames the test's .arm file to claim it
    support.HOLD_DIR = folder


def database(query):
    """One value from the stack's database, through its administrator socket."""
    result = subprocess.run(["mariadb", "--no-defaults", f"--socket={os.environ['MEDIA_DB_ADMIN_SOCKET']}",
                             "-N", "-B", os.environ.get("DB_NAME", "media"), "-e", query],
                            capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.strip()


def journal(unit, since):
    """The unit's messages since a journal cursor-free point in time, as JSON records."""
    text = inside("journalctl", "-u", unit, "--since", since, "-o", "json", "--no-pager").stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def journal_time():
    return inside("date", "+%Y-%m-%d %H:%M:%S").stdout.strip()


BOOT_STARTED = None


def test_socket_activation_starts_media_api_on_the_first_request():
    global BOOT_STARTED
    BOOT_STARTED = inside("date", "-d", "-1 hour", "+%Y-%m-%d %H:%M:%S").stdout.strip()
    assert show("media-api.socket", "ActiveState") == "active"
    assert show("media-api.service", "ActiveState") == "inactive", "media-api started before any request"
    # The socket belongs to the dedicated group that nginx's user joined (sysusers).
    assert inside("stat", "-c", "%U:%G %a", "/run/media-api/fcgi.sock").stdout.split() == ["media:media-fcgi", "660"]
    assert "media-fcgi" in inside("id", "-nG", "www-data").stdout.split()
    started = time.monotonic()
    response = api("GET", "/healthz", key=None, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    print(f"first socket-activated request through nginx: {elapsed * 1000:.0f} ms")
    assert show("media-api.service", "ActiveState") == "active"
    master = int(show("media-api.service", "MainPID"))
    workers = wait_for(lambda: len(children(master)) == 2 and children(master), 30, "two media-api workers")
    status = inside("systemctl", "status", "--no-pager", "-l", "media-api.service", check=False).stdout
    print(status)
    for pid in [master, *workers]:
        assert re.search(rf"\b{pid} .*media-api", status), f"systemctl status does not show {pid}"
    # nginx's workers reached the 0660 socket through the group, never as its owner.
    nginx_workers = inside("pgrep", "-u", "www-data", "nginx").stdout.split()
    assert nginx_workers
    groups = inside("cat", f"/proc/{nginx_workers[0]}/status").stdout
    gid = inside("getent", "group", "media-fcgi").stdout.split(":")[2]
    assert gid in re.search(r"^Groups:(.*)$", groups, re.M).group(1).split()


def test_memory_limits_of_the_units_are_in_force():
    for unit in ("media-api.service", "media-worker.service"):
        high, limit = int(show(unit, "MemoryHigh")), int(show(unit, "MemoryMax"))
        print(f"{unit}: MemoryHigh {high >> 20} MiB, MemoryMax {limit >> 20} MiB")
        assert (high, limit) == (1536 << 20, 2 << 30)


def test_contract_smoke_passes_under_the_hardened_units():
    media = uploaded(jpeg(1200, 900), generateVariants=True, filename="boot-smoke.jpg")
    assert [v["name"] for v in media["variants"]] == VARIANTS
    crop = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 600, "height": 400})
    assert crop.status_code == 200, crop.text
    listed = api("GET", "/api/v1/media/list", params={"search": "boot-smoke"})
    assert listed.status_code == 200 and media["id"] in [m["id"] for m in listed.json()["items"]], listed.text
    cropped = crop.json()
    assert (cropped["width"], cropped["height"]) == (600, 400)
    presigned = api("GET", "/api/v1/media/presign", params={"objectKey": cropped["objectKey"]})
    assert presigned.status_code == 200, presigned.text
    assert requests.get(presigned.json()["url"], timeout=30).content[:2] == b"\xff\xd8"
    download = api("GET", f"/api/v1/media/download/{cropped['bucket']}/{cropped['objectKey']}")
    assert download.status_code == 200 and download.content[:2] == b"\xff\xd8"
    response = upload(jpeg(1600, 1200), filename="boot-async.jpg", generateVariants=True, **{"async": True})
    assert response.status_code == 202, response.text
    job = wait_job(response.json()["jobId"])
    assert job["state"] == "completed", job
    for media_id in (media["id"], job["mediaId"]):
        deleted = api("DELETE", "/api/v1/media/", params={"id": media_id})
        assert deleted.status_code == 200, deleted.text
        assert api("GET", f"/api/v1/media/{media_id}").status_code == 404


def wait_job(job_id, timeout=120):
    def finished():
        job = api("GET", f"/api/v1/media/job/{job_id}").json()
        return job if job["state"] in ("completed", "failed") else None
    return wait_for(finished, timeout, f"job {job_id} to finish", interval=0.1)


def test_logs_are_json_lines_in_the_journal_with_request_ids():
    request_id = f"boot-{uuid.uuid4().hex[:12]}"
    assert api("GET", "/api/v1/media/list", headers={"X-Request-Id": request_id}).status_code == 200
    records = wait_for(lambda: [r for r in journal("media-api.service", BOOT_STARTED) if request_id in r["MESSAGE"]],
                       30, "the request's line in the journal")
    line = json.loads(records[0]["MESSAGE"])
    assert line["requestId"] == request_id and line["status"] == 200 and line["route"], line
    own = [r for r in journal("media-api.service", BOOT_STARTED) + journal("media-worker.service", BOOT_STARTED)
           if r.get("_PID") != "1" and r.get("SYSLOG_IDENTIFIER") in ("media-api", "media-worker")]
    assert own
    not_json = [r["MESSAGE"] for r in own if not isinstance(r["MESSAGE"], str) or not r["MESSAGE"].startswith("{")]
    assert not not_json, not_json[:5]
    print(f"{len(own)} lines from media-api and media-worker in the journal, all JSON")


class Load:
    """Authenticated reads through nginx from a few threads, paced under nginx's per-key
    limit (50 r/s), bounded in count and time; each answer is recorded with its start."""

    def __init__(self, path, threads=3, pause=0.1, limit=3000, seconds=120):
        self.path, self.pause, self.limit, self.deadline = path, pause, limit, time.monotonic() + seconds
        self.results, self.lock, self.stopping = [], threading.Lock(), False
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self):
        session = support.StackSession()
        while not self.stopping and len(self.results) < self.limit and time.monotonic() < self.deadline:
            started = time.monotonic()
            try:
                status = session.get(support.BASE_URL + self.path, timeout=30,
                                     headers={"Authorization": f"Bearer {support.DEMO_KEY}"}).status_code
            except requests.RequestException as error:
                status = repr(error)
            with self.lock:
                self.results.append((started, status))
            # Pacing, not waiting for a state: three threads at one request per `pause` keep the
            # load under nginx's per-key limit, so a 429 never stands for a dropped request.
            time.sleep(self.pause)

    def stop(self):
        self.stopping = True
        for thread in self.threads:
            thread.join(timeout=60)

    def failures(self):
        return [(t, s) for t, s in self.results if s != 200]


def test_reload_rolls_the_workers_under_load_and_drops_no_request():
    media = uploaded(jpeg(), filename="boot-reload.jpg")
    master = int(show("media-api.service", "MainPID"))
    before = set(children(master))
    load = Load(f"/api/v1/media/{media['id']}")
    wait_for(lambda: len(load.results) >= 20, 30, "the load's first answers")
    reload_started = time.monotonic()
    inside("systemctl", "reload", "media-api.service")
    wait_for(lambda: len(children(master)) == 2 and not (set(children(master)) & before), 60, "every worker replaced")
    reload_done = time.monotonic()
    count = len(load.results)
    wait_for(lambda: len(load.results) >= count + 20, 30, "answers from the new workers")
    load.stop()
    during = [r for r in load.results if reload_started <= r[0] <= reload_done]
    print(f"reload: {reload_done - reload_started:.2f} s to replace both workers; requests sent during the reload "
          f"{len(during)}, in all {len(load.results)}, dropped {len(load.failures())}")
    assert int(show("media-api.service", "MainPID")) == master, "reload restarted the master"
    assert during, "no request was sent while the workers were replaced"
    assert load.failures() == [], load.failures()[:5]


def test_no_denied_calls_or_restarts_in_the_journal():
    text = inside("journalctl", "-b", "--no-pager", "-o", "short", "-u", "media-api.service", "-u", "media-worker.service",
                  "-u", "media-api.socket", "-u", "nginx.service").stdout
    surprises = [line for line in text.splitlines()
                 if re.search(r"SECCOMP|EPERM|Operation not permitted|[Pp]ermission denied|denied|Bad system call|"
                              r"core-dump|status=31/SYS|Failed with result", line)]
    assert not surprises, "\n".join(surprises[:20])
    assert show("media-api.service", "NRestarts") == "0"


def test_a_killed_api_worker_is_replaced_by_the_master():
    master = int(show("media-api.service", "MainPID"))
    victim = children(master)[0]
    inside("kill", "-KILL", str(victim))
    replaced = wait_for(lambda: len(children(master)) == 2 and victim not in children(master) and children(master),
                        30, "a new worker in place of the killed one")
    print(f"media-api worker {victim} killed, replaced by {set(replaced) - {victim}}")
    assert api("GET", "/healthz", key=None).status_code == 200


def test_systemctl_kill_of_media_worker_restarts_it():
    old = int(show("media-worker.service", "MainPID"))
    restarts = int(show("media-worker.service", "NRestarts"))
    inside("systemctl", "kill", "-s", "KILL", "--kill-whom=main", "media-worker.service")
    wait_for(lambda: show("media-worker.service", "ActiveState") == "active"
             and int(show("media-worker.service", "MainPID")) not in (0, old), 60, "media-worker started again")
    assert int(show("media-worker.service", "NRestarts")) == restarts + 1
    master = int(show("media-worker.service", "MainPID"))
    wait_for(lambda: len(children(master)) == 2, 30, "the new master's two job processes")
    print(f"media-worker {old} killed by systemctl kill -s KILL; restarted as {master} with {children(master)}")


def test_stop_lets_an_in_flight_upload_finish():
    assert api("GET", "/healthz", key=None).status_code == 200
    arm_holds("media-api.service")
    filename = f"boot-stop-{uuid.uuid4().hex[:12]}.jpg"
    result = {}

    def send():
        result["response"] = upload(jpeg(1200, 900), filename=filename, generateVariants=True)

    with Hold("upload.objects-written", subject=filename) as hold:
        sender = threading.Thread(target=send)
        sender.start()
        hold.wait(unless=lambda: "response" in result)
        stop_started = time.monotonic()
        inside("systemctl", "stop", "--no-block", "media-api.service")
        wait_for(lambda: show("media-api.service", "ActiveState") == "deactivating", 30, "media-api deactivating")
        assert "response" not in result, "the upload answered before the stop began"
        hold.release(acknowledged=False)
        sender.join(timeout=120)
    response = result["response"]
    assert response.status_code == 201, response.text
    wait_for(lambda: show("media-api.service", "ActiveState") == "inactive", 60, "media-api stopped")
    print(f"upload held in flight when stop began; answered 201; stopped {time.monotonic() - stop_started:.2f} s "
          f"after systemctl stop")
    assert show("media-api.service", "Result") == "success"
    # The socket stays: the next request starts the pool again.
    media = response.json()["media"]
    assert api("GET", f"/api/v1/media/{media['id']}").json()["status"] == "ready"


def test_media_worker_stopped_mid_job_hands_the_job_back():
    arm_holds("media-worker.service")
    filename = f"boot-job-{uuid.uuid4().hex[:12]}.jpg"
    with Hold("processing.objects-written", subject=filename) as hold:
        response = upload(jpeg(1600, 1200, color=(10, 80, 200)), filename=filename, generateVariants=True,
                          **{"async": True})
        assert response.status_code == 202, response.text
        job_id = response.json()["jobId"]
        hold.wait()
        assert api("GET", f"/api/v1/media/job/{job_id}").json()["state"] == "active"
        started = time.monotonic()
        inside("systemctl", "stop", "media-worker.service", timeout=180)
        stopped = time.monotonic() - started
    assert show("media-worker.service", "ActiveState") == "inactive"
    job = api("GET", f"/api/v1/media/job/{job_id}").json()
    assert job["state"] != "completed", job
    inside("systemctl", "start", "media-worker.service")
    job = wait_job(job_id, timeout=180)
    print(f"media-worker stopped in {stopped:.1f} s with the job held; after start the job is {job['state']} "
          f"on attempt {job['attempts']}")
    assert job["state"] == "completed" and job["attempts"] >= 2, job
    media = api("GET", f"/api/v1/media/{job['mediaId']}").json()
    assert media["status"] == "ready" and len(media["variants"]) == 5


def test_upgrade_applies_the_migration_restarts_the_services_and_keeps_the_media():
    media = uploaded(jpeg(800, 600), filename="boot-upgrade.jpg", generateVariants=True)
    original = api("GET", f"/api/v1/media/download/{media['bucket']}/{media['objectKey']}").content
    api_before, worker_before = int(show("media-api.service", "MainPID")), int(show("media-worker.service", "MainPID"))
    assert api_before and worker_before
    config_before = inside("cat", "/etc/media-service/config.env").stdout
    started = time.monotonic()
    result = inside("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", os.environ["BOOT_NEXT_DEB"],
                    timeout=300)
    print(f"apt install of N+1: {time.monotonic() - started:.1f} s")
    assert "applied migrations: 9001" in result.stdout, result.stdout
    assert database("SELECT name FROM schema_migrations WHERE version = 9001") == "boot test: an expand-only upgrade"
    assert inside("dpkg-query", "-W", "-f", "${Version}", "media-service").stdout == "1.0.0~boot2"
    for unit, before in (("media-api.service", api_before), ("media-worker.service", worker_before)):
        assert show(unit, "ActiveState") == "active"
        assert int(show(unit, "MainPID")) not in (0, before), f"{unit} was not restarted"
    assert inside("cat", "/etc/media-service/config.env").stdout == config_before, "the edited settings were replaced"
    assert inside("stat", "-c", "%U:%G %a", "/etc/media-service/config.env").stdout.split() == ["root:media", "640"]
    assert api("GET", f"/api/v1/media/{media['id']}").json()["status"] == "ready"
    assert api("GET", f"/api/v1/media/download/{media['bucket']}/{media['objectKey']}").content == original


def test_purge_removes_what_the_package_made_and_keeps_the_data():
    media = uploaded(jpeg(), filename="boot-purge.jpg")
    inside("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "-q", "media-service", timeout=300)
    for unit in ("media-api.socket", "media-api.service", "media-worker.service"):
        assert show(unit, "LoadState") == "not-found", unit
    assert inside("getent", "passwd", "media", check=False).returncode == 2
    assert inside("getent", "group", "media-fcgi", check=False).returncode == 2
    assert inside("test", "-e", "/etc/media-service", check=False).returncode == 1
    assert inside("test", "-e", "/opt/media-service", check=False).returncode == 1
    # The row and the bytes are the operator's: still there.
    assert database(f"SELECT status FROM media WHERE id = '{media['id']}'") == "ready"
    assert s3().head_object(Bucket=media["bucket"], Key=media["objectKey"])["ContentLength"] > 0
