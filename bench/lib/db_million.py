#!/usr/bin/env python3
"""Helpers for bench/db-million.sh.

  db_million.py generate DIR ORGS ORG_SLUG ROWS       writes DIR/media.tsv and DIR/variants.tsv: ROWS media
                                                     spread over ORGS organizations (slugs ORG_SLUG, or
                                                     ORG_SLUG1..N), the organization's number (0..) in
                                                     the organization column
  db_million.py sql RESULTS                          times the list queries (EXPLAIN + median of 3)
  db_million.py api RESULTS                          times the API's list, search and batch (p50/p99)
  db_million.py report RESULTS                       prints the tables

The SQL is MediaStore.list's, with its parameters written in: the same conditions, the same
ORDER BY <column> <dir>, id <dir> LIMIT/OFFSET, the same COUNT(*) for `total`, and the
variants query for the page.
"""
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

WORDS = ("beach sunset mountain forest city street portrait family wedding party product banner logo icon "
         "invoice receipt scan report summer winter autumn spring holiday trip office team event concert food "
         "kitchen garden river lake harbour bridge tower museum market night morning dog cat bird flower tree "
         "car bike train plane boat house room desk screen chart diagram poster flyer cover header footer").split()
TYPES = [("image/jpeg", "jpg", 55), ("image/png", "png", 20), ("image/webp", "webp", 10), ("image/gif", "gif", 5),
         ("application/pdf", "pdf", 7), ("image/avif", "avif", 3)]
VARIANTS = [("thumbnail", 245, 156), ("small", 500, 500), ("medium", 750, 750), ("large", 1000, 1000), ("original_webp", 0, 0)]


def uuid7(ms, rng):
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def org_slugs(slug, orgs):
    return [slug] if orgs == 1 else [f"{slug}{n + 1}" for n in range(orgs)]


def generate(directory, orgs, slug, rows):
    """db-million.sh turns the organization's number into its id while loading."""
    slugs = org_slugs(slug, orgs)
    rng = random.Random(20261129)
    os.makedirs(directory, exist_ok=True)
    start_ms = int(time.mktime((2023, 12, 1, 0, 0, 0, 0, 0, 0)) * 1000)
    span_ms = 3 * 365 * 86400 * 1000
    stamps = sorted(start_ms + rng.randrange(span_ms) for _ in range(rows))
    weights = [t[2] for t in TYPES]
    with open(os.path.join(directory, "media.tsv"), "w") as media, open(os.path.join(directory, "variants.tsv"), "w") as variants:
        for number, ms in enumerate(stamps):
            org = number % orgs
            mid = uuid7(ms, rng)
            mime, ext, _ = rng.choices(TYPES, weights)[0]
            name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}_{rng.randrange(100000):05d}.{ext}"
            size = rng.randrange(20_000, 12_000_000)
            image = mime.startswith("image/")
            width, height = (rng.choice((4000, 3024, 1920, 6000)), rng.choice((3000, 4032, 1080, 4000))) if image else (None, None)
            created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}"
            deleting = created if rng.random() < 0.001 else None   # a few deletes left half-done
            key = f"{slugs[org]}/{mid}/original.{ext}"
            cols = [mid, str(org), "media", key, "1", name, mime, str(size),
                    str(width) if width else None, str(height) if height else None,
                    f"sha256:{rng.getrandbits(256):064x}", None, None, None, "1" if rng.random() < 0.1 else "0", "ready",
                    created, created, deleting]
            media.write("\t".join("\\N" if c is None else c for c in cols) + "\n")
            if image:
                vext = "jpg" if mime in ("image/avif",) else ext
                for vname, vw, vh in VARIANTS:
                    if vname == "original_webp":
                        vw, vh, vmime, vx = width, height, "image/webp", "webp"
                    else:
                        vmime, vx = ("image/jpeg" if vext == "jpg" else mime), vext
                        scale = min(vw / width, vh / height, 1)
                        vw, vh = max(1, round(width * scale)), max(1, round(height * scale))
                    variants.write("\t".join([mid, vname, f"{slugs[org]}/{mid}/{vname}.{vx}", vmime, str(rng.randrange(5_000, 900_000)),
                                              str(vw), str(vh), created]) + "\n")


# -- the list queries --------------------------------------------------------------------

COLUMNS = ("id, organization_id, bucket, object_key, version, filename, mime_type, size, width, height, checksum, alt, "
           "caption, description, is_private, status, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at, "
           "DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ') AS updated_at")

CASES = [
    # name, query string for the API, search, type, sort column, order, offset. The column is
    # qualified as MediaStore writes it; the first case is the unqualified form it used before,
    # which named the DATE_FORMAT alias of the select list (not timed through the API).
    ("createdAt desc, ORDER BY alias (before the fix)", None, None, None, "created_at", "DESC", 0),
    ("default (createdAt desc)", "", None, None, "media.created_at", "DESC", 0),
    ("createdAt asc", "sort=createdAt&order=asc", None, None, "media.created_at", "ASC", 0),
    ("filename asc", "sort=filename&order=asc", None, None, "media.filename", "ASC", 0),
    ("filename desc", "sort=filename&order=desc", None, None, "media.filename", "DESC", 0),
    ("size asc", "sort=size&order=asc", None, None, "media.size", "ASC", 0),
    ("size desc", "sort=size&order=desc", None, None, "media.size", "DESC", 0),
    ("deep page (offset 100000)", "offset=100000", None, None, "media.created_at", "DESC", 100000),
    ("search 'beach' (common)", "search=beach", "beach", None, "media.created_at", "DESC", 0),
    ("search 'zzyzx' (no match)", "search=zzyzx", "zzyzx", None, "media.created_at", "DESC", 0),
    ("type image/", "type=image/", None, "image/", "media.created_at", "DESC", 0),
    ("type image/png", "type=image/png", None, "image/png", "media.created_at", "DESC", 0),
    ("type application/pdf, size desc", "type=application/pdf&sort=size&order=desc", None, "application/pdf", "media.size", "DESC", 0),
    ("search 'beach' + type image/png", "search=beach&type=image/png", "beach", "image/png", "media.created_at", "DESC", 0),
]


def like_escape(text):
    return "".join("\\" + c if c in "%_\\" else c for c in text)


def sql_for(case, org_id):
    _, _, search, type_prefix, column, direction, offset = case
    conditions = f"organization_id = '{org_id}' AND deleting_at IS NULL"
    if search:
        conditions += f" AND filename LIKE '%{like_escape(search)}%' ESCAPE '\\\\'"
    if type_prefix:
        conditions += f" AND mime_type LIKE '{like_escape(type_prefix)}%' ESCAPE '\\\\'"
    tie = "media.id" if column.startswith("media.") else "id"
    page = f"SELECT {COLUMNS} FROM media WHERE {conditions} ORDER BY {column} {direction}, {tie} {direction} LIMIT 20 OFFSET {offset}"
    count = f"SELECT COUNT(*) AS total FROM media WHERE {conditions}"
    return page, count


def mariadb(sql):
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={os.environ['MEDIA_DB_ADMIN_SOCKET']}", "-uroot",
                          "--batch", "--raw", "media", "-e", sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout


def timed(sql, runs=3):
    """Server-side durations (SHOW PROFILES) of `runs` executions, in ms."""
    text = mariadb("SET profiling = 1; SET profiling_history_size = 100; "
                   + " ".join(f"{sql};" for _ in range(runs)) + " SHOW PROFILES;")
    durations = [float(line.split("\t")[1]) * 1000 for line in text.splitlines()
                 if re.match(r"^\d+\t[\d.]+\t", line)]
    return durations[-runs:]


def explain(sql):
    lines = mariadb("EXPLAIN " + sql).splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    return "; ".join(f"{r.get('type')} key={r.get('key')} rows={r.get('rows')} {r.get('Extra', '')}".strip() for r in rows)


def sql_section(results):
    org_id = os.environ["BENCH_ORG_ID"]
    label = os.environ.get("BENCH_LABEL", "sql")
    out = {"loadBefore": os.getloadavg(), "cases": {}}
    for case in CASES:
        page, count = sql_for(case, org_id)
        ids = [line for line in mariadb(page.replace(COLUMNS, "id")).splitlines()[1:]]   # same plan: id is in every index
        variants = ("SELECT media_id, name, object_key, mime_type, size, width, height FROM media_variants WHERE media_id IN ("
                    + ",".join(f"'{i}'" for i in ids) + ") ORDER BY media_id, FIELD(name, 'thumbnail', 'small', 'medium', "
                    "'large', 'original_webp'), name") if ids else None
        entry = {"page": statistics.median(timed(page)), "pageExplain": explain(page),
                 "count": statistics.median(timed(count)), "countExplain": explain(count),
                 "variants": statistics.median(timed(variants)) if variants else None,
                 "rows": int(mariadb(count).splitlines()[1])}
        out["cases"][case[0]] = entry
        print(f"[db] {label}: {case[0]}: page {entry['page']:.1f} ms, count {entry['count']:.1f} ms ({entry['rows']} rows)",
              file=sys.stderr, flush=True)
    out["loadAfter"] = os.getloadavg()
    with open(os.path.join(results, f"{label}.json"), "w") as f:
        json.dump(out, f, indent=1)


# -- through the API ---------------------------------------------------------------------

# name, method, query string (or a function of the request's number, for a text that differs
# on every request so that nothing can answer it from memory), and for batch its JSON body.
API_CASES = [
    ("list?limit=20 (total: the counter)", "GET", "limit=20"),
    ("sort createdAt asc", "GET", "sort=createdAt&order=asc"),
    ("sort filename asc", "GET", "sort=filename&order=asc"),
    ("sort filename desc", "GET", "sort=filename&order=desc"),
    ("sort size asc", "GET", "sort=size&order=asc"),
    ("sort size desc", "GET", "sort=size&order=desc"),
    ("search 'beach' (common word)", "GET", "search=beach"),
    ("search 'beach-sunset' (two words)", "GET", "search=beach-sunset"),
    ("search '_NNNNN.' (a number, different each request)", "GET", lambda i: f"search=_{(i * 7919) % 100000:05d}."),
    ("search 'zzyzx' (no match)", "GET", "search=zzyzx"),
    ("search 'zq<n>x' (no match, different each request)", "GET", lambda i: f"search=zq{i:04d}x"),
    ("search 'beach' + type image/png", "GET", "search=beach&type=image/png"),
    ("type image/png", "GET", "type=image/png"),
    ("deep page (offset 100000)", "GET", "offset=100000"),
    ("batch of 20 ids", "POST", None),
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))]


def api_section(results):
    import http.client
    base, key = urllib.parse.urlsplit(os.environ["MEDIA_BASE_URL"]), os.environ["BENCH_ORG_KEY"]
    context = ssl.create_default_context(cafile=os.environ["MEDIA_CA_CERT"])
    requests_per_case = int(os.environ.get("BENCH_DB_REQUESTS", "100"))
    connection = http.client.HTTPSConnection(base.hostname, base.port, context=context, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    rng = random.Random(7)
    # the timed organization is the first: its number in the organization column is 0
    ids = [fields[0] for fields in (line.split("\t", 2) for line in open(os.path.join(os.environ["BENCH_DB_DATA"], "media.tsv")))
           if fields[1] == "0" and rng.random() < 0.001 * int(os.environ.get("BENCH_DB_ORGS", "1"))]
    out = {"loadBefore": os.getloadavg(), "cases": {}}

    def send(method, path, body=None):
        nonlocal connection
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            connection = http.client.HTTPSConnection(base.hostname, base.port, context=context, timeout=60)
            return (time.perf_counter() - start) * 1000, 0, {}
        elapsed = (time.perf_counter() - start) * 1000
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {}
        return elapsed, response.status, parsed

    send("GET", "/api/v1/media/list?limit=1")   # the connection and the TLS session
    for name, method, query in API_CASES:
        times, statuses, totals = [], {}, set()
        deadline = time.monotonic() + 90
        for i in range(requests_per_case):
            if time.monotonic() > deadline:
                break
            if method == "POST":
                body = json.dumps({"ids": rng.sample(ids, 20)})
                elapsed, status, parsed = send("POST", "/api/v1/media/batch", body)
                totals.add(len(parsed.get("items", [])))
            else:
                text = query(i) if callable(query) else query
                elapsed, status, parsed = send("GET", f"/api/v1/media/list?limit=20&{text}")
                if not callable(query):
                    totals.add(parsed.get("total"))
            times.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1
        entry = {"requests": len(times), "p50": percentile(times, 0.5), "p99": percentile(times, 0.99), "max": max(times),
                 "statuses": statuses, "totals": sorted(t for t in totals if t is not None)[:3]}
        out["cases"][name] = entry
        print(f"[db] api: {name}: p50 {entry['p50']:.1f} ms, p99 {entry['p99']:.1f} ms ({len(times)} requests, {statuses})",
              file=sys.stderr, flush=True)
    out["loadAfter"] = os.getloadavg()
    with open(os.path.join(results, "api.json"), "w") as f:
        json.dump(out, f, indent=1)


TARGETS = {"list?limit=20 (total: the counter)": 50}


def report(results):
    def load(name):
        path = os.path.join(results, f"{name}.json")
        return json.load(open(path)) if os.path.exists(path) else None

    load_info, backfill, api = load("load") or {}, load("backfill") or {}, load("api")
    orgs, timed = int(os.environ.get("BENCH_DB_ORGS", "1")), os.environ.get("BENCH_ORG_SLUG", "bigorg")
    spread = "one organization" if orgs == 1 else f"{orgs} organizations (timed: {timed}, the first)"
    print(f"Rows: {load_info.get('rows')} media + {load_info.get('variantRows')} variants for {spread}; "
          f"loaded in {load_info.get('seconds')} s (LOAD DATA). Table + indexes: {load_info.get('sizeMB')} MB.")
    print(f"Filename index: {backfill.get('gramRows')} rows, {backfill.get('sizeMB')} MB, built by migration 5's backfill "
          f"in {backfill.get('seconds')} s.")
    upgrade = load("upgrade")
    if upgrade:
        print(f"Migration 5 as an upgrade from 4 (every row's type cleared first): {upgrade['seconds']} s; "
              f"rows left without a type: {upgrade['untyped']}.")
    print()
    print("| case (through nginx, keep-alive, list-page cache off) | requests | p50 ms | p99 ms | max ms | target p99 | statuses | total |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _, _ in API_CASES:
        a = (api or {}).get("cases", {}).get(name)
        if not a:
            continue
        target = TARGETS.get(name, 100 if name.startswith("search") else None)
        verdict = "–" if target is None else (f"≤ {target}: met" if a["p99"] <= target else f"≤ {target}: missed by {a['p99'] - target:.0f} ms")
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(a["statuses"].items()))
        print(f"| {name} | {a['requests']} | {a['p50']:.1f} | {a['p99']:.1f} | {a['max']:.1f} | {verdict} | {statuses} "
              f"| {', '.join(map(str, a['totals'])) or '–'} |")
    if api:
        print(f"\nLoad average API: before {[round(x, 2) for x in api['loadBefore']]}, after {[round(x, 2) for x in api['loadAfter']]}.")
    print()
    for org in ("empty", timed):
        for name, what in (("rows", "--grace-minutes 100000000 (every row read)"), ("index", "--search-index-only")):
            r = load(f"reconcile-{org}-{name}")
            if r:
                line = open(os.path.join(results, f"reconcile-{org}-{name}.txt")).read().strip().splitlines()
                print(f"- `mediactl reconcile --org {org} {what}`: {r['seconds']} s, peak RSS {r['maxRssKB'] / 1024:.1f} MB; "
                      f"`{line[-1] if line else ''}`")
    sql = load("sql-like-only")
    if sql:
        print("\n| LIKE-only SQL (as before the index) | rows | page ms | COUNT(*) ms |\n|---|---|---|---|")
        for name, entry in sql["cases"].items():
            print(f"| {name} | {entry['rows']} | {entry['page']:.1f} | {entry['count']:.1f} |")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "generate":
        generate(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif command == "slugs":
        print(" ".join(org_slugs(sys.argv[2], int(sys.argv[3]))))
    elif command == "sql":
        sql_section(sys.argv[2])
    elif command == "api":
        api_section(sys.argv[2])
    elif command == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
