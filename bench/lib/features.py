#!/usr/bin/env python3
"""Measurements of the transform and resumable-upload features for bench/run, one section per
call, each writing RESULTS/<section>.json (the same conventions as measure.py):

  features.py transform-first RESULTS --photo P --runs N --thumbor URL
      first request for a new derivative (rs:fit:800:0, WebP) of a 13 MP JPEG through a signed
      /img URL, vs thumbor making the same output and pyvips thumbnail + webpsave in one process
  features.py transform-hit RESULTS --photo P --runs N --duration S --connections C --threads T
      wrk on one /img URL already made vs nginx serving the same bytes as a static file
  features.py transform-concurrent RESULTS --photo P --count 100
      COUNT concurrent first requests for one new derivative: decodes counted in /metrics
  features.py tus RESULTS --size-mib 1024 --chunk-mib 8 --runs N
      a file through tus (PATCHes through nginx) vs boto3's multipart upload straight to S3,
      and the RSS of every media-api worker before, during (peak) and after
  features.py report RESULTS      prints the tables (markdown)

The stack's settings come from the environment (stack.env), as for measure.py.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import API, children_of, env, load_json, loadavg, log, parse_wrk, rss_mb, save, summary  # noqa: E402

MiB = 1 << 20
WEBP_QUALITY = 80      # IMAGE_WEBP_QUALITY and thumbor's WEBP_QUALITY in bench/run
WEBP_EFFORT = 4        # IMAGE_WEBP_EFFORT (libwebp's "method")
WIDTH = 800


# -- helpers --------------------------------------------------------------------------------

class Connection:
    """One kept-alive connection (HTTPS to the stack, or HTTP), so a request's time is the
    request's, not a TLS handshake's."""

    def __init__(self, base, context=None):
        parsed = urllib.parse.urlparse(base)
        if parsed.scheme == "https":
            self.connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=300, context=context)
        else:
            self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)

    def get(self, path, headers=None):
        start = time.perf_counter()
        self.connection.request("GET", path, headers=headers or {})
        response = self.connection.getresponse()
        body = response.read()
        return time.perf_counter() - start, response.status, dict(response.getheaders()), body

    def close(self):
        self.connection.close()


def signed_path(source, options):
    """imgproxy's URL: /{signature}/{options}/{base64url source}.webp, signed with the stack's pair."""
    key = bytes.fromhex(env("TRANSFORM_KEY").split(",")[0])
    salt = bytes.fromhex(env("TRANSFORM_SALT").split(",")[0])
    encoded = base64.urlsafe_b64encode(source.encode()).rstrip(b"=").decode()
    path = "/" + "/".join(options) + f"/{encoded}.webp"
    signature = base64.urlsafe_b64encode(hmac.new(key, salt + path.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return f"/img/{signature}{path}"


def source_media(api, photo, scratch):
    status, _, _, media = api.upload(photo, variants=False, scratch=scratch)
    if status != 201 or not media:
        raise RuntimeError(f"upload of {photo}: {status}")
    return media, f"s3://{media['bucket']}/{media['objectKey']}"


def transform_options(cachebuster):
    return [f"rs:fit:{WIDTH}:0", f"q:{WEBP_QUALITY}", f"cb:{cachebuster}"]


def metric(api, name):
    connection = Connection(api.base, api.context)
    try:
        _, status, _, body = connection.get("/metrics")
    finally:
        connection.close()
    if status != 200:
        raise RuntimeError(f"/metrics: {status}")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name) and (line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def webp_size(body):
    """Width and height of a lossy (VP8) or lossless (VP8L) WebP; None for anything else."""
    if body[:4] != b"RIFF" or body[8:12] != b"WEBP":
        return None
    chunk = body[12:16]
    if chunk == b"VP8 ":
        return int.from_bytes(body[26:28], "little") & 0x3FFF, int.from_bytes(body[28:30], "little") & 0x3FFF
    if chunk == b"VP8X":
        return 1 + int.from_bytes(body[24:27], "little"), 1 + int.from_bytes(body[27:30], "little")
    if chunk == b"VP8L":
        bits = int.from_bytes(body[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


# -- f. first request for a new derivative --------------------------------------------------

PYVIPS_SERVER = r"""
import sys, time, pyvips
for line in sys.stdin:
    path, width, quality, effort = line.split()
    start = time.perf_counter()
    out = pyvips.Image.thumbnail(path, int(width)).webpsave_buffer(Q=int(quality), effort=int(effort), strip=True)
    print(time.perf_counter() - start, len(out), flush=True)
"""


def section_transform_first(args):
    api = API()
    load_before = loadavg()
    media, source = source_media(api, args.photo, args.scratch)
    name = os.path.basename(args.photo)
    service = Connection(api.base, api.context)
    thumbor = Connection(args.thumbor)
    pyvips = subprocess.Popen([sys.executable, "-c", PYVIPS_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    thumbor_path = f"/unsafe/{WIDTH}x0/filters:format(webp):quality({WEBP_QUALITY})/{urllib.parse.quote(name)}"
    rows = {"service": [], "thumbor": [], "pyvips": []}
    sizes = {}

    def one_service():
        seconds, status, headers, body = service.get(signed_path(source, transform_options(uuid.uuid4().hex[:16])),
                                                     {"Accept": "image/webp"})
        if status != 200 or headers.get("X-Transform") != "made":
            raise RuntimeError(f"service: {status} {headers.get('X-Transform')} {body[:200]!r}")
        sizes["service"] = (len(body), webp_size(body))
        return seconds

    def one_thumbor():
        seconds, status, _, body = thumbor.get(thumbor_path)
        if status != 200:
            raise RuntimeError(f"thumbor: {status} {body[:200]!r}")
        sizes["thumbor"] = (len(body), webp_size(body))
        return seconds

    def one_pyvips():
        pyvips.stdin.write(f"{args.photo} {WIDTH} {WEBP_QUALITY} {WEBP_EFFORT}\n")
        pyvips.stdin.flush()
        seconds, length = pyvips.stdout.readline().split()
        sizes["pyvips"] = (int(length), None)
        return float(seconds)

    contenders = [("service", one_service), ("thumbor", one_thumbor), ("pyvips", one_pyvips)]
    for _, run in contenders:   # warm-up: connections, thumbor's and pyvips' imports, the page cache
        run()
    for index in range(args.runs):   # interleaved, so drift in machine speed hits all alike
        for label, run in contenders:
            rows[label].append(run())
        log(f"transform-first #{index + 1}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in rows.items()))
    service.close()
    thumbor.close()
    pyvips.stdin.close()
    pyvips.wait(timeout=30)
    api.call("DELETE", f"/api/v1/media/?id={media['id']}")
    save(args.results, "transform_first", {
        "loadBefore": load_before, "loadAfter": loadavg(), "photo": name, "runs": args.runs,
        "width": WIDTH, "quality": WEBP_QUALITY, "seconds": {k: summary(v) for k, v in rows.items()}, "raw": rows,
        "outputs": {k: {"bytes": v[0], "size": v[1]} for k, v in sizes.items()}})


# -- g. a cached hit vs the same bytes as a static file ------------------------------------

def section_transform_hit(args):
    api = API()
    load_before = loadavg()
    media, source = source_media(api, args.photo, args.scratch)
    path = signed_path(source, transform_options("hit-" + uuid.uuid4().hex[:8]))
    connection = Connection(api.base, api.context)
    outcomes = []
    for _ in range(3):
        _, status, headers, body = connection.get(path)
        if status != 200:
            raise RuntimeError(f"/img: {status} {body[:200]!r}")
        outcomes.append(headers.get("X-Transform", "cache"))
    connection.close()
    # bench/run's nginx serves this file at /bench/static.webp (same server block, same TLS).
    with open(os.path.join(args.scratch, "static.webp"), "wb") as f:
        f.write(body)
    connection = Connection(api.base, api.context)
    _, status, _, static = connection.get("/bench/static.webp")
    connection.close()
    if status != 200 or static != body:
        raise RuntimeError(f"/bench/static.webp: {status}, same bytes: {static == body}")
    targets = [("nginx static file", "/bench/static.webp"), ("GET /img/… (stored derivative)", path)]
    runs = {name: [] for name, _ in targets}
    raw = {}
    for run in range(args.runs):
        for name, target in targets:
            out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
                                  api.base + target], capture_output=True, text=True)
            parsed = parse_wrk(out.stdout)
            runs[name].append(parsed)
            raw[f"{name} #{run + 1}"] = out.stdout
            log(f"transform-hit: {name}: {parsed}")
    api.call("DELETE", f"/api/v1/media/?id={media['id']}")
    save(args.results, "transform_hit", {
        "loadBefore": load_before, "loadAfter": loadavg(), "bytes": len(body), "firstOutcomes": outcomes,
        "connections": args.connections, "threads": args.threads, "duration": args.duration,
        "targets": {name: {"rps": summary([r["rps"] for r in rows]), "p50": summary([r.get("p50") for r in rows]),
                           "p99": summary([r.get("p99") for r in rows]), "non2xx": sum(r["non2xx"] for r in rows),
                           "socketErrors": [r["socketErrors"] for r in rows if r["socketErrors"]]}
                    for name, rows in runs.items()},
        "raw": raw})


# -- h. concurrent first requests -----------------------------------------------------------

def section_transform_concurrent(args):
    api = API()
    load_before = loadavg()
    media, source = source_media(api, args.photo, args.scratch)
    path = signed_path(source, transform_options("burst-" + uuid.uuid4().hex[:8]))
    decodes_before = metric(api, "media_transform_decodes_total")
    barrier = threading.Barrier(args.count)
    answers = [None] * args.count

    def ask(index):
        connection = Connection(api.base, api.context)
        connection.connection.connect()   # the handshake before the barrier: requests leave together
        try:
            barrier.wait(timeout=60)
            seconds, status, headers, body = connection.get(path)
            answers[index] = (status, headers.get("X-Transform"), hashlib.sha256(body).hexdigest(), seconds)
        except Exception as error:   # noqa: BLE001 - reported in the row
            answers[index] = (0, repr(error), None, None)
        finally:
            connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=ask, args=(index,)) for index in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    wall = time.perf_counter() - start
    decodes = metric(api, "media_transform_decodes_total") - decodes_before
    statuses = {}
    for answer in answers:
        key = str(answer[0] if answer else "none")
        statuses[key] = statuses.get(key, 0) + 1
    outcomes = {}
    for answer in answers:
        if answer and answer[0] == 200:
            outcomes[answer[1]] = outcomes.get(answer[1], 0) + 1
    api.call("DELETE", f"/api/v1/media/?id={media['id']}")
    save(args.results, "transform_concurrent", {
        "loadBefore": load_before, "loadAfter": loadavg(), "count": args.count, "decodes": decodes, "statuses": statuses,
        "outcomes": outcomes, "distinctBodies": len({a[2] for a in answers if a and a[0] == 200}), "wallSeconds": wall,
        "latency": summary([a[3] for a in answers if a and a[0] == 200])})
    log(f"transform-concurrent: {decodes} decodes, statuses {statuses}, outcomes {outcomes}")


# -- j. tus vs boto3 ------------------------------------------------------------------------

class RssSampler:
    """RSS of every media-api worker (the pool master's children) every 50 ms."""

    def __init__(self):
        with open(os.path.join(env("MEDIA_DATA_DIR"), "run", "api.pid")) as f:
            self.master = int(f.read().strip())
        self.workers = children_of(self.master)
        self.before = {pid: rss_mb(pid) for pid in self.workers}
        self.peak = dict(self.before)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_event.wait(0.05):
            for pid in self.workers:
                value = rss_mb(pid)
                if value is not None and (self.peak.get(pid) is None or value > self.peak[pid]):
                    self.peak[pid] = value

    def stop(self):
        self.stop_event.set()
        self.thread.join()
        after = {pid: rss_mb(pid) for pid in self.workers}
        return {str(pid): {"before": self.before[pid], "peak": self.peak[pid], "after": after[pid],
                           "growth": None if self.before[pid] is None or self.peak[pid] is None
                           else round(self.peak[pid] - self.before[pid], 1)}
                for pid in self.workers}, children_of(self.master) == self.workers


def tus_upload(api, path, size, chunk):
    """Creation, then PATCHes of `chunk` bytes on one kept-alive connection; (seconds, media id,
    seconds of the last PATCH)."""
    parsed = urllib.parse.urlparse(api.base)
    connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=600, context=api.context)
    auth = {"Authorization": f"Bearer {api.key}", "Tus-Resumable": "1.0.0"}
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                        for k, v in {"orgSlug": api.org, "filename": "bench-1g.pdf", "filetype": "application/pdf"}.items())
    start = time.perf_counter()
    connection.request("POST", "/api/v1/media/upload/resumable",
                       headers={**auth, "Upload-Length": str(size), "Upload-Metadata": metadata, "Content-Length": "0"})
    response = connection.getresponse()
    response.read()
    if response.status != 201:
        raise RuntimeError(f"tus creation: {response.status}")
    location = urllib.parse.urlparse(response.getheader("Location")).path
    offset, last, media_id = 0, None, location.rstrip("/").rsplit("/", 1)[1]
    with open(path, "rb") as f:
        while offset < size:
            body = f.read(chunk)
            patch_start = time.perf_counter()
            connection.request("PATCH", location, body=body, headers={
                **auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 204 and not (response.status == 200 and offset + len(body) == size):
                raise RuntimeError(f"tus PATCH at {offset}: {response.status} {answer[:300]!r}")
            offset = int(response.getheader("Upload-Offset", offset + len(body)))
            last = time.perf_counter() - patch_start
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, media_id, last


def boto3_upload(path, chunk):
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    client = boto3.client("s3", endpoint_url=env("S3_ENDPOINT"), region_name=os.environ.get("S3_REGION", "us-east-1"),
                          aws_access_key_id=env("S3_ACCESS_KEY_ID"), aws_secret_access_key=env("S3_SECRET_ACCESS_KEY"),
                          config=Config(s3={"addressing_style": "path"}))
    bucket, key = env("S3_BUCKET"), f"bench/boto3-{uuid.uuid4().hex}"
    # boto3's defaults but the part size: 8 MiB parts, 10 threads.
    config = TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk)
    start = time.perf_counter()
    client.upload_file(path, bucket, key, Config=config)
    seconds = time.perf_counter() - start
    client.delete_object(Bucket=bucket, Key=key)
    return seconds


def section_tus(args):
    api = API()
    load_before = loadavg()
    size, chunk = args.size_mib * MiB, args.chunk_mib * MiB
    path = os.path.join(args.scratch, f"tus-{args.size_mib}m.pdf")
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path, "wb") as f:   # an allowed file that is never decoded: a PDF header, random bytes, an end
            head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
            f.write(head)
            left = size - len(head) - len(tail)
            while left > 0:
                f.write(os.urandom(min(left, 16 * MiB)))
                left -= min(left, 16 * MiB)
            f.write(tail)
    rows = {"tus": [], "boto3": [], "lastPatch": []}
    memory = []
    for index in range(args.runs):
        sampler = RssSampler()
        seconds, media_id, last = tus_upload(api, path, size, chunk)
        workers, same = sampler.stop()
        memory.append({"workers": workers, "workersUnchanged": same})
        rows["tus"].append(seconds)
        rows["lastPatch"].append(last)
        status, media = api.call("GET", f"/api/v1/media/{media_id}")
        if status != 200 or media.get("status") != "ready" or media.get("size") != size:
            raise RuntimeError(f"tus: media {media_id}: {status} {media}")
        api.call("DELETE", f"/api/v1/media/?id={media_id}")
        rows["boto3"].append(boto3_upload(path, chunk))
        log(f"tus #{index + 1}: tus {rows['tus'][-1]:.2f} s (last PATCH {last:.2f} s), boto3 {rows['boto3'][-1]:.2f} s, "
            f"RSS {workers}")
    os.remove(path)
    growth = [max((w["growth"] or 0) for w in m["workers"].values()) for m in memory]
    save(args.results, "tus", {
        "loadBefore": load_before, "loadAfter": loadavg(), "sizeMiB": args.size_mib, "chunkMiB": args.chunk_mib,
        "runs": args.runs, "seconds": {k: summary(v) for k, v in rows.items()}, "raw": rows, "memory": memory,
        "maxGrowthMB": summary(growth)})


# -- the tables -----------------------------------------------------------------------------

def fmt(s, digits=2):
    if not s:
        return "–"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "–"


def verdict(ok):
    return "met" if ok else "missed"


def report(args):
    out = []
    first = load_json(args.results, "transform_first")
    if first:
        s = {k: (v or {}).get("median") for k, v in first["seconds"].items()}
        vs_thumbor = s["service"] / s["thumbor"] if s["service"] and s["thumbor"] else None
        vs_pyvips = s["service"] / s["pyvips"] if s["service"] and s["pyvips"] else None
        out.append(f"### f. First request for a new derivative: {first['photo']} → rs:fit:{first['width']}:0 WebP "
                   f"(q {first['quality']})")
        out.append(f"Seconds, median (min–max) of {first['runs']} interleaved runs after one warm-up; the service's time is the "
                   f"client's (signed /img URL through nginx, TLS kept alive, a new cachebuster each run). "
                   f"Load average before {first['loadBefore']}, after {first['loadAfter']}.")
        out.append("")
        out.append("| service /img (first request) | thumbor (same output) | pyvips thumbnail + webpsave, 1 process "
                   "| ÷ thumbor (target ≤ 0.9) | ÷ pyvips (target ≤ 1.2) |")
        out.append("|---|---|---|---|---|")
        out.append(f"| {fmt(first['seconds']['service'], 3)} | {fmt(first['seconds']['thumbor'], 3)} "
                   f"| {fmt(first['seconds']['pyvips'], 3)} "
                   f"| {ratio(s['service'], s['thumbor'])} {verdict(vs_thumbor is not None and vs_thumbor <= 0.9)} "
                   f"| {ratio(s['service'], s['pyvips'])} {verdict(vs_pyvips is not None and vs_pyvips <= 1.2)} |")
        out.append("")
        out.append("Outputs (bytes, size): " + ", ".join(f"{k} {v['bytes']} {v['size'] or ''}" for k, v in first["outputs"].items()))
        out.append("")
    hit = load_json(args.results, "transform_hit")
    if hit:
        t = hit["targets"]
        static, img = t["nginx static file"], t["GET /img/… (stored derivative)"]
        share = img["rps"]["median"] / static["rps"]["median"] if img["rps"] and static["rps"] else None
        p99 = img["p99"]["median"] if img["p99"] else None
        out.append(f"### g. Cached hit, wrk -t{hit['threads']} -c{hit['connections']} -d{hit['duration']}s through nginx "
                   f"(TLS, keep-alive), {hit['bytes']} bytes, median (min–max) of {static['rps']['n']} interleaved runs")
        out.append(f"Load average before {hit['loadBefore']}, after {hit['loadAfter']}. The first three answers: "
                   f"{', '.join(hit['firstOutcomes'])}.")
        out.append("")
        out.append("| target | req/s | p50 ms | p99 ms | non-2xx |")
        out.append("|---|---|---|---|---|")
        for name, r in t.items():
            out.append(f"| {name} | {fmt(r['rps'], 0)} | {fmt(r['p50'])} | {fmt(r['p99'])} | {r['non2xx']} |")
        out.append("")
        out.append(f"/img ÷ static: {ratio(img['rps']['median'] if img['rps'] else None, static['rps']['median'] if static['rps'] else None)} "
                   f"(target ≥ 0.50: {verdict(share is not None and share >= 0.5)}); /img p99 "
                   f"{p99 if p99 is not None else '–'} ms (target ≤ 20 ms: {verdict(p99 is not None and p99 <= 20)}).")
        out.append("")
    burst = load_json(args.results, "transform_concurrent")
    if burst:
        out.append(f"### h. {burst['count']} concurrent first requests for one new derivative")
        out.append(f"Load average before {burst['loadBefore']}, after {burst['loadAfter']}.")
        out.append("")
        out.append("| decodes (media_transform_decodes_total, /metrics) | answers by status | X-Transform of the 200s "
                   "| distinct bodies | client latency s, median (min–max) | wall s | target |")
        out.append("|---|---|---|---|---|---|---|")
        out.append(f"| {burst['decodes']:.0f} | {burst['statuses']} | {burst['outcomes']} | {burst['distinctBodies']} "
                   f"| {fmt(burst['latency'])} | {burst['wallSeconds']:.2f} | 1 decode: {verdict(burst['decodes'] == 1)} |")
        out.append("")
    tus = load_json(args.results, "tus")
    if tus:
        s = tus["seconds"]
        r = s["tus"]["median"] / s["boto3"]["median"]
        growth = tus["maxGrowthMB"]["max"] if tus["maxGrowthMB"] else None
        out.append(f"### j. {tus['sizeMiB']} MiB through tus in {tus['chunkMiB']} MiB PATCHes (through nginx) vs boto3's "
                   f"multipart upload straight to S3")
        out.append(f"Seconds, median (min–max) of {tus['runs']} interleaved runs. "
                   f"Load average before {tus['loadBefore']}, after {tus['loadAfter']}.")
        out.append("")
        out.append("| tus (creation to last answer) | of which the last PATCH | boto3 upload_file (8 MiB parts, 10 threads) "
                   "| ÷ boto3 (target ≤ 1.25) | worst RSS growth of a media-api worker, MB (target ≤ 32) |")
        out.append("|---|---|---|---|---|")
        out.append(f"| {fmt(s['tus'])} | {fmt(s['lastPatch'])} | {fmt(s['boto3'])} | {r:.2f}× {verdict(r <= 1.25)} "
                   f"| {growth} {verdict(growth is not None and growth <= 32)} |")
        out.append("")
        out.append("RSS of each media-api worker, MB (before / peak / after), per run:")
        for index, m in enumerate(tus["memory"], 1):
            out.append(f"- run {index}: " + ", ".join(f"pid {pid} {w['before']}/{w['peak']}/{w['after']}"
                                                      for pid, w in m["workers"].items())
                       + ("" if m["workersUnchanged"] else " (a worker was replaced)"))
        out.append("")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("section", choices=["transform-first", "transform-hit", "transform-concurrent", "tus", "report"])
    parser.add_argument("results")
    parser.add_argument("--scratch", default="/tmp")
    parser.add_argument("--photo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--thumbor")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=8)
    args = parser.parse_args()
    os.makedirs(args.results, exist_ok=True)
    {"transform-first": section_transform_first, "transform-hit": section_transform_hit,
     "transform-concurrent": section_transform_concurrent, "tus": section_tus, "report": report}[args.section](args)


if __name__ == "__main__":
    main()
