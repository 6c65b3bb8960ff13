"""/metrics: the Prometheus text of the whole pool (a scrape reaching any worker reports every
worker's requests), counters that move, a killed worker counted as a restart, job metrics
from Redis, and nginx refusing scrapes from addresses outside loopback/private networks."""
import http.client
import os
import pathlib
import signal
import ssl
import time
import urllib.parse

from media_helpers import jpeg, upload, uploaded
from support import BASE_URL, CA_CERT, DATA_DIR, REPO, api, children, scrape, service_master, stackctl, wait_for



def test_format_families_and_whole_pool_gauges():
    text, values = scrape()
    for family, kind in [("media_http_requests_total", "counter"), ("media_http_request_duration_seconds", "histogram"),
                         ("media_pool_worker_restarts_total", "counter"), ("media_jobs_queue_depth", "gauge"),
                         ("media_s3_request_duration_seconds", "histogram"), ("media_db_query_duration_seconds", "histogram")]:
        assert f"# TYPE {family} {kind}\n" in text
    workers = int(os.environ.get("API_WORKERS", "2"))
    assert values["media_pool_workers"] == workers, "every worker of the pool is counted, not just the one scraped"
    assert values["media_http_requests_in_flight"] >= 1, "the scrape itself is in flight"
    assert values["media_metrics_redis_up"] == 1


def test_request_counters_and_histograms_move():
    series = 'media_http_requests_total{route="/healthz",method="GET",status="200"}'
    count = 'media_http_request_duration_seconds_count{route="/healthz",method="GET"}'
    _, before = scrape()
    for _ in range(12):
        assert api("GET", "/healthz", key=None).status_code == 200
    # Whichever worker answers the scrape, it reports the requests every worker served.
    for _ in range(4):
        _, after = scrape()
        assert after[series] - before.get(series, 0) >= 12
        assert after[count] - before.get(count, 0) >= 12
    bucket = 'media_http_request_duration_seconds_bucket{route="/healthz",method="GET",le="+Inf"}'
    assert after[bucket] == after[count]
    assert api("GET", "/api/v1/media/list", key="mk_bad_key").status_code == 401
    _, after = scrape()
    assert after['media_http_requests_total{route="/api/v1/media/list",method="GET",status="401"}'] >= 1


def test_storage_database_and_decode_metrics_move():
    _, before = scrape()
    uploaded(jpeg(1000, 800), generateVariants=True)
    _, after = scrape()
    put = 'media_s3_request_duration_seconds_count{operation="PutObject"}'
    assert after[put] - before.get(put, 0) >= 6
    query = 'media_db_query_duration_seconds_count{operation="query"}'
    assert after[query] > before.get(query, 0)
    pixels = 'media_image_decode_pixels_sum{operation="variants"}'
    assert after[pixels] - before.get(pixels, 0) >= 800_000


def test_job_metrics_come_from_redis():
    _, before = scrape()
    # With media-worker stopped nothing leaves the queue: a job sent now shows in its depth,
    # and its age grows.
    stackctl("stop", "worker")
    try:
        _, idle = scrape()
        response = upload(jpeg(), generateVariants=True, **{"async": True})
        assert response.status_code == 202, response.text
        job_id = response.json()["jobId"]
        _, queued = scrape()
        assert queued["media_jobs_queue_depth"] == idle["media_jobs_queue_depth"] + 1
        aged = wait_for(lambda: (lambda values: values if values["media_jobs_oldest_age_seconds"] >= 1 else None)(scrape()[1]),
                        30, "the queued job's age to show")
        assert aged["media_jobs_queue_depth"] >= 1
    finally:
        stackctl("start", "worker")
    deadline = time.time() + 120
    while api("GET", f"/api/v1/media/job/{job_id}").json()["state"] not in ("completed", "failed"):
        assert time.time() < deadline
        time.sleep(0.2)
    _, values = scrape()
    completed = 'media_jobs_completed_total{type="upload"}'
    duration = 'media_job_duration_seconds_count{type="upload",outcome="completed"}'
    assert values[completed] >= before.get(completed, 0) + 1
    assert values[duration] >= before.get(duration, 0) + 1


def test_a_killed_worker_shows_as_a_restart():
    master = service_master("api")
    _, before = scrape()
    victim = children(master)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 30
    while True:
        try:
            _, after = scrape()
            if (after["media_pool_worker_restarts_total"] == before["media_pool_worker_restarts_total"] + 1
                    and after["media_pool_workers"] == before["media_pool_workers"]):
                break
        except (AssertionError, OSError):
            pass  # a request may land on the dying worker
        assert time.time() < deadline, "restart not counted"
        time.sleep(0.2)
    assert victim not in children(master)
    assert after["media_pool_worker_recycles_total"] == before["media_pool_worker_recycles_total"]
    # Counters of the pool survive the worker: totals never go backwards.
    series = 'media_http_requests_total{route="/metrics",method="GET",status="200"}'
    assert after[series] > before[series]


def test_a_killed_job_process_is_counted_through_redis():
    master = service_master("worker")
    _, before = scrape()
    victim = children(master)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 30
    while True:
        _, after = scrape()
        if after["media_job_worker_restarts_total"] == before["media_job_worker_restarts_total"] + 1:
            break
        assert time.time() < deadline, "job process restart not counted"
        time.sleep(0.2)
    while len(children(master)) < int(os.environ.get("WORKER_PROCESSES", "1")):
        assert time.time() < deadline, "job process not restarted"
        time.sleep(0.2)


def test_nginx_serves_metrics_only_to_loopback_and_private_addresses():
    template = (pathlib.Path(REPO) / "nginx" / "media.conf.template").read_text()
    block = template[template.index("location = /metrics {"):]
    block = block[:block.index("}")]
    for rule in ("allow 127.0.0.1;", "allow ::1;", "allow 10.0.0.0/8;", "allow 172.16.0.0/12;", "allow 192.168.0.0/16;",
                 "deny all;"):
        assert rule in block
    assert block.index("deny all;") > block.index("allow 192.168.0.0/16;"), "deny must come after the allows"
    assert "location = /metrics" in (pathlib.Path(DATA_DIR) / "nginx" / "nginx.conf").read_text()
    # 127.0.0.2 is loopback to the kernel but not an allowed address to nginx: it stands in for
    # a client from outside.
    url = urllib.parse.urlparse(BASE_URL)
    context = ssl.create_default_context(cafile=CA_CERT)

    def get(path):
        connection = http.client.HTTPSConnection("127.0.0.1", url.port, context=context, source_address=("127.0.0.2", 0),
                                                 timeout=10)
        try:
            connection.request("GET", path, headers={"Host": url.netloc})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    assert get("/healthz")[0] == 200
    status, body = get("/metrics")
    assert status == 403 and b"media_http_requests_total" not in body
