#!/usr/bin/env python3
"""Measurements for bench/run, one section per call, each writing RESULTS/<section>.json.

  measure.py uploads  RESULTS --photos A,B,C --runs N --thumbor URL --imaging-bench BIN
  measure.py readpath RESULTS --runs N --duration S --connections C --threads T
  measure.py memory   RESULTS --photo P --seconds S --clients C
  measure.py jobs     RESULTS --photo P --count N
  measure.py report   RESULTS                  prints the tables (markdown)

The stack's settings come from the environment (stack.env: MEDIA_BASE_URL, MEDIA_DEMO_KEY,
MEDIA_CA_CERT, MEDIA_DATA_DIR). Every section records the load average before and after it,
since other builds share the machine.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BOXES = [("large", 1000, 1000), ("medium", 750, 750), ("small", 500, 500), ("thumbnail", 245, 156)]


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"measure.py: {name} is not set (run through bench/run, which loads stack.env)")
    return value


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def save(results_dir, section, data):
    with open(os.path.join(results_dir, f"{section}.json"), "w") as f:
        json.dump(data, f, indent=1)


# -- the API -------------------------------------------------------------------------------

class API:
    def __init__(self):
        self.base = env("MEDIA_BASE_URL")
        self.key = env("MEDIA_DEMO_KEY")
        self.ca = env("MEDIA_CA_CERT")
        self.org = os.environ.get("MEDIA_DEMO_ORG", "demo")
        self.context = ssl.create_default_context(cafile=self.ca)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def poller(self):
        """A kept-alive HTTPS connection for repeated GETs, as a client polling job status
        would hold one: a fresh TLS handshake per request costs more CPU than the request."""
        parsed = urllib.parse.urlparse(self.base)
        connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=120, context=self.context)
        headers = {"Authorization": f"Bearer {self.key}"}

        def get(path):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        return get

    def upload(self, path, variants=True, scratch="/tmp"):
        """Sync upload through nginx with curl; returns (status, e2e seconds, server timing, media)."""
        tag = f"{os.getpid()}-{threading.get_ident()}"
        headers_file = os.path.join(scratch, f"upload-{tag}.headers")
        body_file = os.path.join(scratch, f"upload-{tag}.json")
        out = subprocess.run(
            ["curl", "-sS", "--cacert", self.ca, "-H", f"Authorization: Bearer {self.key}",
             "-F", f"file=@{path}", "-F", f"orgSlug={self.org}",
             "-F", f"generateVariants={'true' if variants else 'false'}",
             "-D", headers_file, "-o", body_file, "-w", "%{http_code} %{time_total}",
             self.base + "/api/v1/media/upload"], capture_output=True, text=True)
        if out.returncode != 0:
            return 0, None, {}, None
        code, total = out.stdout.split()
        timing = {}
        with open(headers_file) as f:
            for line in f:
                if line.lower().startswith("server-timing:"):
                    for part in line.split(":", 1)[1].split(","):
                        match = re.match(r"\s*([\w-]+);dur=([\d.]+)", part)
                        if match:
                            timing[match.group(1)] = float(match.group(2)) / 1000
        with open(body_file) as f:
            body = json.load(f)
        return int(code), float(total), timing, body.get("media")


# -- section a: uploads next to the references ---------------------------------------------

class Reference:
    """A long-lived pyvips or Pillow process (bench/lib/reference_variants.py serve)."""

    def __init__(self, lib):
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "reference_variants.py"), "serve", lib],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, command, path):
        self.process.stdin.write(f"{command} {path}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("reference process died")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def thumbor_job(base, name, source_is_png):
    """The 5 outputs from thumbor, one request each, in sequence (keep-alive connection)."""
    parsed = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    paths = [f"/unsafe/fit-in/{w}x{h}/{name}" for _, w, h in BOXES] + [f"/unsafe/filters:format(webp)/{name}"]
    start = time.perf_counter()
    sizes = []
    for path in paths:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"thumbor {path}: {response.status}")
        sizes.append(len(body))
    connection.close()
    return time.perf_counter() - start, sizes


def imaging_bench(binary, photo, runs):
    out = subprocess.run([binary, photo, "4", str(runs)], capture_output=True, text=True,
                         env={**os.environ, "MALLOC_ARENA_MAX": "2", "VIPS_WARNING": "0"})
    result = {}
    for key, pattern in [("webpAlone", r"full-size webp alone: ([\d.]+) s \(cpu ([\d.]+)"),
                         ("resizedAlone", r"four resized variants alone: ([\d.]+) s \(cpu ([\d.]+)"),
                         ("wholeJob", r"whole 5-variant job: ([\d.]+) s \(cpu ([\d.]+)")]:
        match = re.search(pattern, out.stdout)
        if match:
            result[key] = {"wall": float(match.group(1)), "cpu": float(match.group(2))}
    match = re.search(r"peak (\d+) MB", out.stdout)
    result["peakMB"] = int(match.group(1)) if match else None
    result["raw"] = out.stdout
    return result


def section_uploads(args):
    api = API()
    photos = args.photos.split(",")
    load_before = loadavg()
    refs = {lib: Reference(lib) for lib in ("pyvips", "pillow")}
    results = {"loadBefore": load_before, "runs": args.runs, "photos": {}}
    try:
        for photo in photos:
            name = os.path.basename(photo)
            is_png = photo.endswith(".png")
            log(f"uploads: {name}")
            # Warm-up: one of each, not counted (first-request costs, page cache).
            api.upload(photo, scratch=args.scratch)
            for ref in refs.values():
                ref.run("job", photo)
            thumbor_job(args.thumbor, name, is_png)
            rows = {"service": [], "pyvips": [], "pillow": [], "thumbor": [], "pyvipsWebp": [], "pillowWebp": []}
            # Interleaved: every run times each system once, so load changes hit all alike.
            for _ in range(args.runs):
                code, total, timing, media = api.upload(photo, scratch=args.scratch)
                if code != 201 or len((media or {}).get("variants", [])) != 5:
                    raise RuntimeError(f"upload of {name} answered {code} with {media}")
                rows["service"].append({"e2e": total, **timing})
                for lib, ref in refs.items():
                    rows[lib].append(ref.run("job", photo))
                    rows[lib + "Webp"].append(ref.run("webp", photo))
                wall, sizes = thumbor_job(args.thumbor, name, is_png)
                rows["thumbor"].append({"wall": wall, "sizes": sizes})
            stages = sorted({k for r in rows["service"] for k in r})
            entry = {
                "service": {stage: summary([r.get(stage) for r in rows["service"]]) for stage in stages},
                "serviceVariantBytes": {v["name"]: v["size"] for v in media["variants"]},
                "pyvips": summary([r["wall"] for r in rows["pyvips"]]),
                "pyvipsCpu": summary([r["cpu"] for r in rows["pyvips"]]),
                "pyvipsWebp": summary([r["wall"] for r in rows["pyvipsWebp"]]),
                "pyvipsBytes": rows["pyvips"][-1]["sizes"],
                "pillow": summary([r["wall"] for r in rows["pillow"]]),
                "pillowCpu": summary([r["cpu"] for r in rows["pillow"]]),
                "pillowWebp": summary([r["wall"] for r in rows["pillowWebp"]]),
                "pillowBytes": rows["pillow"][-1]["sizes"],
                "thumbor": summary([r["wall"] for r in rows["thumbor"]]),
                "thumborBytes": rows["thumbor"][-1]["sizes"],
            }
            log(f"uploads: {name}: imaging-bench")
            entry["imagingBench"] = imaging_bench(args.imaging_bench, photo, args.runs)
            results["photos"][name] = entry
            results["mediaId"] = media["id"]
    finally:
        for ref in refs.values():
            ref.close()
    results["loadAfter"] = loadavg()
    save(args.results, "uploads", results)


# -- section b: read path with wrk ---------------------------------------------------------

def parse_wrk(text):
    result = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result["rps"] = float(match.group(1)) if match else None
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if match:
            value = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
            result[f"p{pct}"] = value
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: (.*)", text)
    result["socketErrors"] = match.group(1).strip() if match else ""
    return result


def section_readpath(args):
    api = API()
    load_before = loadavg()
    # Enough rows for a full page, and one media to read by id.
    status, listing = api.call("GET", "/api/v1/media/list?limit=20")
    if status != 200 or len(listing["items"]) < 20:
        raise RuntimeError(f"the list needs at least 20 media, got {status} {listing and len(listing.get('items', []))}")
    media_id = listing["items"][0]["id"]
    script = os.path.join(args.scratch, "wrk-auth.lua")
    with open(script, "w") as f:
        f.write(f'wrk.headers["Authorization"] = "Bearer {api.key}"\n')
    targets = [
        ("nginx return 200", "/bench/nginx-200"),
        ("bare C libfcgi responder", "/bench/fcgi-hello"),
        ("GET /api/v1/media/{id}", f"/api/v1/media/{media_id}"),
        ("GET /api/v1/media/list?limit=20", "/api/v1/media/list?limit=20"),
    ]
    for _, path in targets:   # every target answers 200 before it is timed
        request = urllib.request.Request(api.base + path, headers={"Authorization": f"Bearer {api.key}"})
        with urllib.request.urlopen(request, context=api.context) as response:
            assert response.status == 200, path
    runs = {name: [] for name, _ in targets}
    raw = {}
    for run in range(args.runs):
        for name, path in targets:   # interleaved, like the uploads
            out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
                                  "-s", script, api.base + path], capture_output=True, text=True)
            parsed = parse_wrk(out.stdout)
            runs[name].append(parsed)
            raw[f"{name} #{run + 1}"] = out.stdout
            log(f"readpath: {name}: {parsed}")
    results = {"loadBefore": load_before, "connections": args.connections, "threads": args.threads,
               "duration": args.duration, "targets": {}}
    for name, _ in targets:
        rows = runs[name]
        results["targets"][name] = {
            "rps": summary([r["rps"] for r in rows]), "p50": summary([r.get("p50") for r in rows]),
            "p99": summary([r.get("p99") for r in rows]), "non2xx": sum(r["non2xx"] for r in rows),
            "socketErrors": [r["socketErrors"] for r in rows if r["socketErrors"]]}
    results["raw"] = raw
    results["loadAfter"] = loadavg()
    save(args.results, "readpath", results)


# -- section c: memory of the pool's workers -----------------------------------------------

def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return sorted(kids)


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb(pid):
    kb = status_kb(pid, "VmRSS")
    return None if kb is None else round(kb / 1024, 1)


def section_memory(args):
    api = API()
    load_before = loadavg()
    with open(os.path.join(env("MEDIA_DATA_DIR"), "run", "api.pid")) as f:
        master = int(f.read().strip())
    workers = children_of(master)
    threads = os.environ.get("API_THREADS", "?")
    log(f"memory: master {master}, workers {workers} ({threads} threads each)")
    fresh = {pid: rss_mb(pid) for pid in workers}
    # Warm-up: every thread of every worker handles an upload, then the pool idles.
    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(lambda _: api.upload(args.photo, scratch=args.scratch), range(args.clients)))
    time.sleep(args.settle)
    before = {pid: rss_mb(pid) for pid in workers}
    samples = {pid: [] for pid in workers}
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            for pid in workers:
                value = rss_mb(pid)
                if value is not None:
                    samples[pid].append(value)
            stop.wait(0.25)

    sampling = threading.Thread(target=sampler)
    sampling.start()
    deadline = time.monotonic() + args.seconds
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def client():
        while time.monotonic() < deadline:
            code, _, _, media = api.upload(args.photo, scratch=args.scratch)
            with lock:
                counts["ok" if code == 201 and media and len(media["variants"]) == 5 else "failed"] += 1

    started = time.monotonic()
    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    burst_seconds = time.monotonic() - started
    stop.set()
    sampling.join()
    time.sleep(args.settle)
    after = {pid: rss_mb(pid) for pid in workers}
    replaced = children_of(master) != workers
    results = {
        "loadBefore": load_before, "clients": args.clients, "threadsPerWorker": threads, "seconds": round(burst_seconds, 1),
        "uploads": counts, "uploadsPerSecond": round(counts["ok"] / burst_seconds, 3), "settleSeconds": args.settle,
        "photo": os.path.basename(args.photo), "workersReplaced": replaced,
        "workers": {str(pid): {"fresh": fresh[pid], "before": before[pid], "peak": max(samples[pid], default=None),
                               "after": after[pid], "vmHWM": round((status_kb(pid, "VmHWM") or 0) / 1024, 1)}
                    for pid in workers},
        "loadAfter": loadavg(),
    }
    log(f"memory: {results['workers']}")
    save(args.results, "memory", results)


# -- section d: images per second ----------------------------------------------------------

def section_jobs(args):
    """Images per second of the four ways to make the 5 variants, in interleaved rounds
    (service uploaders, media-worker jobs, pyvips, Pillow, then again), so that the machine's
    drift over the section weighs on every contender alike; medians and per-round ratios."""
    api = API()
    load_before = loadavg()
    results = {"loadBefore": load_before, "photo": os.path.basename(args.photo), "count": args.count,
               "rounds": args.runs, "workerThreads": os.environ.get("WORKER_THREADS", "?"),
               "workerProcesses": os.environ.get("WORKER_PROCESSES", "?")}

    # Originals without variants, for the media-worker rebuild jobs (reused every round).
    keys = []
    for _ in range(args.count + 1):
        code, _, _, media = api.upload(args.photo, variants=False, scratch=args.scratch)
        if code != 201:
            raise RuntimeError(f"upload answered {code}")
        keys.append(media["objectKey"])

    def uploaders():
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(lambda _: api.upload(args.photo, scratch=args.scratch)[0], range(args.count)))
        if any(code != 201 for code in codes):
            raise RuntimeError(f"uploads failed: {codes}")
        return args.count / (time.perf_counter() - start)

    def run_jobs(batch):
        start = time.perf_counter()
        jobs = []
        for key in batch:
            status, body = api.call("POST", "/api/v1/media/variants", {"objectKey": key})
            if status != 202:
                raise RuntimeError(f"variants job answered {status}: {body}")
            jobs.append(body["jobId"])
        # One status request at a time, oldest job first (they finish roughly in order), on
        # one kept-alive connection: the client runs on the same two cores as the workers,
        # and asking after every job every 50 ms cost them ~15 % of their throughput, a new
        # TLS connection per poll still ~5 % (1 s of CPU per 8 jobs in the client and nginx).
        poll = api.poller()
        pending = list(jobs)
        while pending:
            status, body = poll(f"/api/v1/media/job/{pending[0]}")
            if body and body.get("state") in ("completed", "failed"):
                if body["state"] == "failed":
                    raise RuntimeError(f"job {pending[0]} failed: {body}")
                pending.pop(0)
                continue
            time.sleep(0.05)
            if time.perf_counter() - start > 600:
                raise RuntimeError("variant jobs did not finish within 600 s")
        return len(batch) / (time.perf_counter() - start)

    def reference(lib):
        out = subprocess.run([sys.executable, os.path.join(HERE, "reference_variants.py"), "throughput", lib, args.photo,
                              str(args.count), "2"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["imagesPerSecond"]

    api.upload(args.photo, scratch=args.scratch)   # warm-ups
    run_jobs(keys[:1])
    rounds = {"uploaders2": [], "workerJobs": [], "pyvips2proc": [], "pillow2proc": []}
    for index in range(args.runs):
        rounds["uploaders2"].append(uploaders())
        rounds["workerJobs"].append(run_jobs(keys[1:]))
        rounds["pyvips2proc"].append(reference("pyvips"))
        rounds["pillow2proc"].append(reference("pillow"))
        log(f"jobs: round {index + 1}: " + ", ".join(f"{name} {values[-1]:.3f}/s" for name, values in rounds.items()))
    results["imagesPerSecond"] = {name: summary(values) for name, values in rounds.items()}
    results["roundRatiosToPillow"] = {name: summary([v / p for v, p in zip(values, rounds["pillow2proc"])])
                                      for name, values in rounds.items() if name != "pillow2proc"}
    results["rawRounds"] = rounds
    results["loadAfter"] = loadavg()
    save(args.results, "jobs", results)


# -- report --------------------------------------------------------------------------------

def fmt(s, scale=1.0, digits=2, unit=""):
    if not s:
        return "–"
    return f"{s['median'] * scale:.{digits}f}{unit} ({s['min'] * scale:.{digits}f}–{s['max'] * scale:.{digits}f})"


def ratio(a, b):
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def med(s):
    return s["median"] if s else None


def load_json(results_dir, section):
    path = os.path.join(results_dir, f"{section}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def report(args):
    out = []
    uploads = load_json(args.results, "uploads")
    if uploads:
        out.append("### a. Upload with 5 variants (sync, through nginx) vs the same 5 outputs elsewhere")
        out.append(f"Seconds, median (min–max) of {uploads['runs']} interleaved runs after one warm-up. "
                   f"Load average before {uploads['loadBefore']}, after {uploads['loadAfter']}.")
        out.append("")
        out.append("| photo | service total (server) | service e2e (client) | receive | probe | variants | storage | database "
                   "| pyvips 1 proc | Pillow draft+thumbnail | thumbor (5 GETs) | WebP alone (Swift) | WebP alone (Pillow) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, e in uploads["photos"].items():
            s = e["service"]
            ib = e.get("imagingBench", {})
            webp = ib.get("webpAlone", {}).get("wall")
            out.append(f"| {name} | {fmt(s.get('total'))} | {fmt(s.get('e2e'))} | {fmt(s.get('receive'), digits=3)} "
                       f"| {fmt(s.get('probe'), digits=3)} | {fmt(s.get('variants'))} | {fmt(s.get('storage'), digits=3)} "
                       f"| {fmt(s.get('database'), digits=3)} | {fmt(e['pyvips'])} | {fmt(e['pillow'])} | {fmt(e['thumbor'])} "
                       f"| {webp if webp is not None else '–'} | {fmt(e['pillowWebp'])} |")
        out.append("")
        out.append("| photo | service ÷ thumbor (target ≤ 0.75) | service ÷ Pillow (≤ 0.95) | service ÷ pyvips "
                   "| service ÷ WebP alone (≤ 1.15) | in-process Swift job ÷ WebP alone | Swift job CPU s | Pillow CPU s | pyvips CPU s |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for name, e in uploads["photos"].items():
            total = med(e["service"].get("total"))
            ib = e.get("imagingBench", {})
            webp = ib.get("webpAlone", {}).get("wall")
            whole = ib.get("wholeJob", {})
            out.append(f"| {name} | {ratio(total, med(e['thumbor']))} | {ratio(total, med(e['pillow']))} "
                       f"| {ratio(total, med(e['pyvips']))} | {ratio(total, webp)} | {ratio(whole.get('wall'), webp)} "
                       f"| {whole.get('cpu', '–')} | {fmt(e['pillowCpu'])} | {fmt(e['pyvipsCpu'])} |")
        out.append("")
        out.append("Output bytes (service / Pillow / pyvips):")
        for name, e in uploads["photos"].items():
            sb = e["serviceVariantBytes"]
            out.append(f"- {name}: " + ", ".join(
                f"{v} {sb.get(v, '–')}/{e['pillowBytes'].get(v, '–')}/{e['pyvipsBytes'].get(v, '–')}"
                for v in ("thumbnail", "small", "medium", "large", "original_webp")))
        out.append("")
    readpath = load_json(args.results, "readpath")
    if readpath:
        t = readpath["targets"]
        hello = med(t["bare C libfcgi responder"]["rps"])
        out.append(f"### b. Read path, wrk -t{readpath['threads']} -c{readpath['connections']} -d{readpath['duration']}s "
                   f"through nginx (TLS, keep-alive), median (min–max) of {t['nginx return 200']['rps']['n']} runs")
        out.append(f"Load average before {readpath['loadBefore']}, after {readpath['loadAfter']}.")
        out.append("")
        out.append("| target | req/s | p50 ms | p99 ms | ÷ bare libfcgi req/s | non-2xx |")
        out.append("|---|---|---|---|---|---|")
        for name, r in t.items():
            out.append(f"| {name} | {fmt(r['rps'], digits=0)} | {fmt(r['p50'])} | {fmt(r['p99'])} "
                       f"| {ratio(med(r['rps']), hello)} | {r['non2xx']} |")
        out.append("")
        out.append("Targets: GET /media/{id} ≥ 0.50× the bare responder with p99 ≤ 15 ms; list?limit=20 ≥ 0.25×.")
        out.append("")
    memory = load_json(args.results, "memory")
    if memory:
        out.append(f"### c. RSS of each media-api worker: {memory['seconds']} s burst of {memory['photo']} uploads with "
                   f"variants, {memory['clients']} clients, {memory['threadsPerWorker']} threads per worker")
        out.append(f"{memory['uploads']['ok']} uploads ({memory['uploadsPerSecond']}/s), {memory['uploads']['failed']} failed; "
                   f"workers replaced during the run: {memory['workersReplaced']}. "
                   f"Load average before {memory['loadBefore']}, after {memory['loadAfter']}.")
        out.append("")
        out.append(f"| worker pid | fresh MB | before burst (warm, {memory['settleSeconds']} s idle) MB | peak sampled MB "
                   f"| after burst (+{memory['settleSeconds']} s) MB | after ÷ before | VmHWM MB |")
        out.append("|---|---|---|---|---|---|---|")
        for pid, w in memory["workers"].items():
            out.append(f"| {pid} | {w['fresh']} | {w['before']} | {w['peak']} | {w['after']} | {ratio(w['after'], w['before'])} "
                       f"| {w['vmHWM']} |")
        out.append("")
        out.append("Targets: after within 1.10× of before; peak < 400 MB.")
        out.append("")
    jobs = load_json(args.results, "jobs")
    if jobs:
        per_second, ratios = jobs["imagesPerSecond"], jobs["roundRatiosToPillow"]
        out.append(f"### d. Images per second, 5 variants of {jobs['photo']}, {jobs['count']} images per contender "
                   f"and round, {jobs['rounds']} interleaved rounds")
        out.append(f"Load average before {jobs['loadBefore']}, after {jobs['loadAfter']}.")
        out.append("")
        out.append("| what | images/s, median (min–max) | ÷ Pillow, median of the rounds (min–max) |")
        out.append("|---|---|---|")
        rows = [("service: 2 concurrent sync uploaders (through nginx, S3, DB)", "uploaders2"),
                (f"service: media-worker variant jobs ({jobs['workerProcesses']} process × {jobs['workerThreads']} "
                 "threads, S3 in and out)", "workerJobs"),
                ("pyvips, 2 processes", "pyvips2proc"),
                ("Pillow, 2 processes", "pillow2proc")]
        for name, key in rows:
            out.append(f"| {name} | {fmt(per_second[key], digits=3)} | "
                       f"{fmt(ratios[key], digits=2, unit='×') if key in ratios else '1.00×'} |")
        out.append("")
        out.append("Targets: 2 concurrent uploaders ≥ 1.0× Pillow in 2 processes (#7); media-worker jobs ≥ Pillow (#5).")
        out.append("")
    download = os.path.join(args.results, "download.txt")
    if os.path.exists(download):
        out.append("### e. Downloads (bench/download.sh)")
        out.append("")
        out.append("```")
        out.append(open(download).read().rstrip())
        out.append("```")
        out.append("")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("section", choices=["uploads", "readpath", "memory", "jobs", "report"])
    parser.add_argument("results")
    parser.add_argument("--scratch", default="/tmp")
    parser.add_argument("--photos")
    parser.add_argument("--photo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--thumbor")
    parser.add_argument("--imaging-bench")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--settle", type=int, default=10)
    parser.add_argument("--count", type=int, default=8)
    args = parser.parse_args()
    os.makedirs(args.results, exist_ok=True)
    {"uploads": section_uploads, "readpath": section_readpath, "memory": section_memory, "jobs": section_jobs,
     "report": report}[args.section](args)


if __name__ == "__main__":
    main()
