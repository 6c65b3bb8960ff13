#!/usr/bin/env python3
"""GET /api/v1/media/list?limit=1 latency, idle and under a flood of anonymous /healthz, on a
running stack (set -a; . DATA/stack.env; set +a; python3 bench/healthz-flood.py [RATE] [SECONDS]).

The flood is paced at RATE requests/s (default 1000) for SECONDS (default 10), sent twice:
through nginx (where the per-address health limit answers most of it with 429) and straight
to the FastCGI socket (so every request reaches the pool and only the service's own cached,
single-flight health result protects it). Prints p50/p90 of the list request for each case."""
import os
import socket
import ssl
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "http"))
import fastcgi_client  # noqa: E402
import requests  # noqa: E402

BASE = os.environ["MEDIA_BASE_URL"]
CA = os.environ["MEDIA_CA_CERT"]
KEY = os.environ["MEDIA_DEMO_KEY"]
SOCKET = os.environ["API_SOCKET"]
RATE = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10


def list_latencies(session, seconds):
    latencies = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        started = time.perf_counter()
        response = session.get(BASE + "/api/v1/media/list", params={"limit": 1}, headers={"Authorization": f"Bearer {KEY}"}, verify=CA,
                               timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        time.sleep(0.02)
    return latencies


def flood_through_nginx(stop, counts):
    parsed = urllib.parse.urlsplit(BASE)
    context = ssl.create_default_context(cafile=CA)
    batch = max(1, RATE // 20)
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
    from test_limits import pipelined_responses
    tls, used = None, 0
    while not stop.is_set():
        if tls is None or used + batch > 900:   # nginx closes a connection after 1,000 requests
            if tls:
                tls.close()
            tls = context.wrap_socket(socket.create_connection((parsed.hostname, parsed.port)), server_hostname=parsed.hostname)
            used = 0
        tick = time.time()
        tls.sendall(request * batch)
        for status, _, _ in pipelined_responses(tls, batch):
            counts[status] = counts.get(status, 0) + 1
        used += batch
        time.sleep(max(0.0, 0.05 - (time.time() - tick)))
    tls.close()


def flood_fastcgi(stop, counts, threads=4):
    def one():
        while not stop.is_set():
            tick = time.time()
            for _ in range(max(1, RATE // 20 // threads)):
                status = fastcgi_client.request(SOCKET, "GET", "/healthz").status
                counts[status] = counts.get(status, 0) + 1
            time.sleep(max(0.0, 0.05 - (time.time() - tick)))
    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def measure(name, flood):
    session = requests.Session()
    session.verify = CA
    counts = {}
    stop = threading.Event()
    thread = threading.Thread(target=flood, args=(stop, counts)) if flood else None
    if thread:
        thread.start()
        time.sleep(1)   # the flood is under way before the first measured request
    started = time.time()
    latencies = list_latencies(session, SECONDS)
    elapsed = time.time() - started
    stop.set()
    if thread:
        thread.join()
    p50 = statistics.median(latencies)
    p90 = statistics.quantiles(latencies, n=10)[-1]
    sent = sum(counts.values())
    print(f"{name:38} list p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  ({len(latencies)} lists; healthz "
          f"{sent / (elapsed + 1):.0f}/s, answers {dict(sorted(counts.items()))})")
    return p50


idle = measure("idle", None)
through = measure(f"{RATE} healthz/s through nginx", flood_through_nginx)
direct = measure(f"{RATE} healthz/s straight to the pool", flood_fastcgi)
print(f"p50 under the flood / idle: through nginx {through / idle:.2f}x, straight to the pool {direct / idle:.2f}x")
