"""Resource limits under abuse: a burst of large uploads queues behind the per-process decode
bound (IMAGE_MAX_CONCURRENT_DECODES) and every one succeeds; slow clients trickling headers
(slowloris) are cut off by nginx while normal requests keep being served; the per-key rate
limit answers 429 in the contract's envelope with Retry-After."""
import concurrent.futures
import io
import json
import os
import re
import socket
import ssl
import threading
import time
import urllib.parse
import uuid

from PIL import Image

from media_helpers import ORG, objects_under
from support import BASE_URL, CA_CERT, DATA_DIR, api, mediactl, wait_for


def nginx_setting(pattern):
    with open(os.path.join(DATA_DIR, "nginx", "nginx.conf")) as conf:
        found = re.search(pattern, conf.read())
    assert found, pattern
    return found.group(1)


def tls_socket(timeout=10):
    parsed = urllib.parse.urlsplit(BASE_URL)
    context = ssl.create_default_context(cafile=CA_CERT)
    plain = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
    return context.wrap_socket(plain, server_hostname=parsed.hostname)


def large_jpeg(width, height, seed):
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((seed * 40 % 255, 90, 160), (0, 0, width // 3, height // 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def server_timing(response):
    """`Server-Timing: receive;dur=1.2, variants;dur=830.5, ...` as {stage: milliseconds}."""
    return {name.strip(): float(duration) for name, duration in
            re.findall(r"([a-z]+);dur=([0-9.]+)", response.headers.get("Server-Timing", ""))}


def test_a_burst_of_large_uploads_queues_and_every_one_succeeds():
    count = 8   # the test pool serves 2 workers x 4 threads: every upload is in flight at once
    images = [large_jpeg(4000, 3000, seed) for seed in range(count)]   # 12 megapixels each

    def send(data):
        return api("POST", "/api/v1/media/upload", files={"file": ("large.jpg", data, "image/jpeg")},
                   data={"orgSlug": ORG, "generateVariants": "true"}, timeout=170)

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        responses = list(pool.map(send, images))
    elapsed = time.time() - started
    created = [r.json()["media"] for r in responses if r.status_code == 201]
    try:
        assert [r.status_code for r in responses] == [201] * count, [r.text[:300] for r in responses if r.status_code != 201]
        for media in created:
            assert (media["width"], media["height"]) == (4000, 3000)
            assert len(media["variants"]) == 5
        # 8 uploads in flight, at most 2 image jobs per worker process at once: some waited
        # their turn, and Server-Timing says for how long (part of their `variants` time).
        waits = [server_timing(r)["queued"] for r in responses]
        assert max(waits) >= 200, f"no upload queued behind the decode bound: {waits}"
        assert all(server_timing(r)["queued"] <= server_timing(r)["variants"] for r in responses)
        assert elapsed < 170
    finally:
        for media in created:
            api("DELETE", "/api/v1/media/", params={"id": media["id"]})
    assert all(objects_under(f"{ORG}/{media['id']}/") == [] for media in created)


def test_slow_clients_trickling_headers_do_not_starve_the_service():
    timeout = int(nginx_setting(r"client_header_timeout\s+(\d+)s;"))
    assert timeout <= 30, "nginx must not wait long for a request head"
    slow, trickle_for = 50, timeout + 3
    connections = []
    for _ in range(slow):
        sock = tls_socket()
        sock.sendall(b"GET /api/v1/media/list HTTP/1.1\r\nHost: localhost\r\n")
        connections.append(sock)
    cut_off = set()
    stop = threading.Event()

    def trickle():
        # One header line every second on every connection, never finishing the head.
        number = 0
        while not stop.is_set():
            number += 1
            for index, sock in enumerate(connections):
                if index in cut_off:
                    continue
                try:
                    sock.sendall(f"X-Slow-{number}: {'a' * 10}\r\n".encode())
                except OSError:
                    cut_off.add(index)
            stop.wait(1)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    latencies, failures = [], []
    try:
        deadline = time.time() + trickle_for
        while time.time() < deadline:
            before = time.time()
            response = api("GET", "/api/v1/media/list", params={"limit": 1}, timeout=10)
            health = api("GET", "/healthz", key=None, timeout=10)
            latencies.append(time.time() - before)
            if response.status_code != 200 or health.status_code != 200:
                failures.append((response.status_code, health.status_code))
            time.sleep(0.2)   # the probes' pace while the trickle lasts
    finally:
        stop.set()
        trickler.join()
    # A connection nginx gave up on reads as closed (EOF, reset, or a last answer) by now;
    # one still waiting for its head times out here.
    for index, sock in enumerate(connections):
        try:
            sock.settimeout(2)
            sock.recv(4096)
            cut_off.add(index)
        except socket.timeout:
            pass
        except (OSError, ssl.SSLError):
            cut_off.add(index)
        finally:
            sock.close()
    assert not failures, failures
    assert len(latencies) >= trickle_for, latencies
    assert max(latencies) < 3, f"normal requests slowed down to {max(latencies):.2f}s"
    assert len(cut_off) == slow, f"nginx kept {slow - len(cut_off)} slow connections past client_header_timeout"


def pipelined_responses(sock, count):
    """Reads `count` HTTP/1.1 responses from a socket: (status, headers, body) each."""
    buffer = b""
    responses = []
    while len(responses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(responses)} responses"
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                while b"\r\n" not in buffer:
                    buffer += sock.recv(65536)
                size_line, _, buffer = buffer.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(buffer) < size + 2:
                    buffer += sock.recv(65536)
                body, buffer = body + buffer[:size], buffer[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                buffer += sock.recv(65536)
            body, buffer = buffer[:length], buffer[length:]
        responses.append((int(lines[0].split()[1]), headers, body))
    return responses


def zone(name):
    """(rate per second, burst) of an nginx limit_req zone of the test stack."""
    rate = int(nginx_setting(rf"zone={name}:\S+ rate=(\d+)r/s"))
    burst = int(nginx_setting(rf"limit_req zone={name} burst=(\d+)"))
    return rate, burst


def hammer_until_limited(make_headers, min_limited=100, max_requests=8000):
    """Pipelines GET /api/v1/media/list?limit=1 over 4 connections, rounds of 4 x 200, until
    `min_limited` answers were 429 (or `max_requests` were sent): however fast the machine,
    the limit is reached. `make_headers(i)` gives request i's extra header lines. Returns the
    answers and the seconds they took."""
    results, lock, sent = [], threading.Lock(), 0
    started = time.time()
    while sum(1 for r in results if r[0] == 429) < min_limited and sent < max_requests:
        sockets = [tls_socket(timeout=60) for _ in range(4)]

        def hammer(sock, first):
            request = b"".join(
                (f"GET /api/v1/media/list?limit=1 HTTP/1.1\r\nHost: localhost\r\n{make_headers(first + i)}"
                 "X-Request-Id: rate-test\r\n\r\n").encode() for i in range(200))
            sock.sendall(request)   # pipelined: nginx takes them as fast as it can
            answers = pipelined_responses(sock, 200)
            with lock:
                results.extend(answers)

        threads = [threading.Thread(target=hammer, args=(sock, sent + index * 200)) for index, sock in enumerate(sockets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for sock in sockets:
            sock.close()
        sent += 800
    elapsed = time.time() - started
    assert len(results) == sent, f"{sent} sent, {len(results)} answered"
    return results, elapsed


def assert_limited(results, elapsed, rate, burst, allowed_statuses, what):
    """At most the zone's burst plus its rate over the time taken got through, the rest 429."""
    statuses = [status for status, _, _ in results]
    passed = [s for s in statuses if s != 429]
    print(f"{what}: {len(statuses)} requests in {elapsed:.2f} s, {len(passed)} passed "
          f"(limit {burst} + {rate}/s), {statuses.count(429)} answered 429")
    assert set(statuses) <= set(allowed_statuses) | {429}, sorted(set(statuses))
    assert statuses.count(429) >= 100, f"{what}: only {statuses.count(429)} of {len(statuses)} limited"
    assert len(passed) <= burst + rate * elapsed + 50, f"{what}: {len(passed)} passed in {elapsed:.2f} s"


def wait_for_the_buckets_to_refill():
    """The address's buckets are shared by the tests that follow: wait until they answer again."""
    wait_for(lambda: api("GET", "/api/v1/media/list", key=None).status_code == 401, 60, "the address bucket to refill")
    wait_for(lambda: api("GET", "/api/v1/media/list", params={"limit": 1}).status_code == 200, 60, "the demo key to pass")
    # nginx's buckets drain with time only: burst / rate seconds leave them as full as the
    # tests that follow expect (a fixed pause is what this means).
    time.sleep(max(burst / rate for rate, burst in (zone("media_per_key"), zone("media_per_address"))))


def new_key(name):
    return mediactl("key", "create", "--org", ORG, "--name", name).stdout.strip().splitlines()[-1]


def made_up_key():
    """A value shaped like an API key (mk_, 16 hex, _, 43 base64url) that is nobody's."""
    return "mk_" + uuid.uuid4().hex[:16] + "_" + (uuid.uuid4().hex + uuid.uuid4().hex)[:43]


def test_exceeding_the_rate_limit_is_429_in_the_envelope_with_retry_after():
    rate, burst = zone("media_per_key")
    key = new_key("ratelimit")   # a key of its own: its bucket is nobody else's
    try:
        results, elapsed = hammer_until_limited(lambda i: f"Authorization: Bearer {key}\r\n")
        assert_limited(results, elapsed, rate, burst, {200}, "one key")
        statuses = [status for status, _, _ in results]
        assert statuses.count(200) >= burst // 2, "the burst itself was let through to the service"
        limited = [(headers, body) for status, headers, body in results if status == 429]
        for headers, body in limited[:50]:
            assert headers["content-type"].startswith("application/json")
            assert int(headers["retry-after"]) >= 1
            document = json.loads(body)
            assert set(document) == {"error", "requestId"}
            assert document["error"]["code"] == "rate_limited" and document["error"]["message"]
            assert document["requestId"] == headers["x-request-id"] == "rate-test"
        # Other keys are untouched by that key's limit.
        assert api("GET", "/api/v1/media/list", params={"limit": 1}).status_code == 200
    finally:
        wait_for_the_buckets_to_refill()


def test_a_second_key_header_does_not_dodge_the_rate_limit():
    """The real key as Bearer plus a different X-API-Key on every request: the service refuses
    two keys (400), and nginx limits such requests by address, as strictly as one key."""
    rate, burst = zone("media_per_key")
    key = new_key("two-headers")
    try:
        results, elapsed = hammer_until_limited(lambda i: f"Authorization: Bearer {key}\r\nX-API-Key: random-{i}\r\n")
        assert_limited(results, elapsed, rate, burst, {400}, "Bearer plus a random X-API-Key")
        refused = next(json.loads(body) for status, _, body in results if status == 400)
        assert refused["error"]["code"] == "validation_error" and refused["error"]["details"]["field"] == "X-API-Key"
        # The same key in both headers is one key.
        both = api("GET", "/api/v1/media/list", key=None, headers={"Authorization": f"Bearer {key}", "X-API-Key": key})
        assert both.status_code in (200, 429), both.text
    finally:
        wait_for_the_buckets_to_refill()


def test_made_up_keys_are_limited_by_address():
    """A new X-API-Key on every request buys no bucket of its own: values not shaped like a key
    share the address's per-key bucket, key-shaped ones the address's own zone."""
    rate, burst = zone("media_per_key")
    try:
        results, elapsed = hammer_until_limited(lambda i: f"X-API-Key: {uuid.uuid4().hex}\r\n")
        assert_limited(results, elapsed, rate, burst, {401}, "a random X-API-Key")
    finally:
        wait_for_the_buckets_to_refill()
    rate, burst = zone("media_per_address")
    try:
        results, elapsed = hammer_until_limited(lambda i: f"X-API-Key: {made_up_key()}\r\n")
        assert_limited(results, elapsed, rate, burst, {401}, "a random key-shaped X-API-Key")
    finally:
        wait_for_the_buckets_to_refill()
