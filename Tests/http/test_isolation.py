"""Tenant isolation, generated from the router: for EVERY route `mediactl routes` prints,
organization B calls it with organization A's ids, object keys, folders and job id (and
orgSlug=A where the route takes one) and gets 404 (403 for orgSlug) — never A's data, never a
signed URL or a redirect to A's objects. A route the matrix does not know how to call fails
the test, so a new route cannot be forgotten. /healthz (and /metrics, if it appears) are the
public exceptions: they must reveal nothing of any tenant."""
import time
import uuid

import pytest

from media_helpers import ORG, jpeg, objects_under, upload, uploaded
from support import DEMO_KEY, api, mediactl
from tus_helpers import CREATION, TUS, created, metadata, offset

MULTIPART = "/api/v1/media/upload/multipart"

SLUG_B = "isolation-b"


@pytest.fixture(scope="module")
def key_b():
    mediactl("org", "create", SLUG_B, "--name", "Isolation B", "--if-not-exists")
    return mediactl("key", "create", "--org", SLUG_B, "--name", "isolation-matrix").stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def org_a():
    """Organization A's things: public and private media with variants, a pending presigned
    upload, an async upload's job. Every filename and alt text carries a marker that must
    never appear in an answer to B."""
    marker = f"secret-of-a-{uuid.uuid4().hex[:12]}"
    public = uploaded(jpeg(800, 600), filename=f"{marker}-public.jpg", generateVariants=True, alt=marker)
    private = uploaded(jpeg(700, 500), filename=f"{marker}-private.jpg", generateVariants=True, isPrivate=True, alt=marker)
    pending = api("POST", "/api/v1/media/upload/presigned",
                  json={"orgSlug": ORG, "filename": f"{marker}-pending.jpg", "mimeType": "image/jpeg"})
    assert pending.status_code == 200, pending.text
    resumable = created(1000, filename=f"{marker}-resumable.pdf").rsplit("/", 1)[1]
    multipart = api("POST", MULTIPART, json={"orgSlug": ORG, "filename": f"{marker}-multipart.pdf", "size": 1000})
    assert multipart.status_code == 201, multipart.text
    queued = upload(jpeg(640, 480), filename=f"{marker}-async.jpg", generateVariants=True, **{"async": True})
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["jobId"]
    async_media = queued.json()["media"]
    deadline = time.time() + 60
    while api("GET", f"/api/v1/media/job/{job_id}").json()["state"] not in ("completed", "failed"):
        assert time.time() < deadline, "the async upload's job did not finish"
        time.sleep(0.3)
    media = [public, private, api("GET", f"/api/v1/media/{async_media['id']}").json()]
    state = {
        "marker": marker, "public": public, "private": private, "pending_id": pending.json()["mediaId"],
        "pending_key": pending.json()["objectKey"], "job_id": job_id, "media": media, "resumable_id": resumable,
        "multipart_id": multipart.json()["mediaId"],
        "objects": {m["id"]: sorted(objects_under(f"{ORG}/{m['id']}/")) for m in media},
    }
    yield state
    for item in media + [{"id": state["pending_id"]}]:
        api("DELETE", "/api/v1/media/", params={"id": item["id"]})
    api("DELETE", f"{CREATION}/{resumable}", headers=TUS)
    api("DELETE", f"{MULTIPART}/{state['multipart_id']}")


def keys_of(media):
    return [media["objectKey"]] + [variant["objectKey"] for variant in media["variants"]]


def ids(a):
    return [m["id"] for m in a["media"]] + [a["pending_id"]]


def tus_calls(method, a, **kwargs):
    """B's tus calls on A's resumable upload and on A's other media: all 404."""
    return [(method, f"{CREATION}/{media_id}", dict(kwargs, headers=dict(TUS, **kwargs.get("headers", {}))), 404)
            for media_id in [a["resumable_id"]] + ids(a)]


def multipart_calls(method, suffix, a, **kwargs):
    """B's presigned multipart calls on A's upload, A's tus upload and A's other media: all 404."""
    return [(method, f"{MULTIPART}/{media_id}{suffix}", kwargs, 404)
            for media_id in [a["multipart_id"], a["resumable_id"]] + ids(a)]


def expect_tus_discovery(response, a):
    assert response.status_code == 204, response.text
    assert response.headers["Tus-Version"] == "1.0.0"


# Each entry: route pattern -> function(a) giving the calls B makes, as
# (method, path, request kwargs, expectation). Expectations: 404, 403, or a function(response, a).

def expect_nothing_of_a_listed(response, a):
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"] == [] and body["total"] == 0, body


def expect_all_missing(response, a):
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "missing": ids(a)}


MATRIX = {
    ("POST", "/api/v1/media/upload"): lambda a: [
        ("POST", "/api/v1/media/upload", {"files": {"file": ("x.jpg", jpeg(40, 40), "image/jpeg")},
                                          "data": {"orgSlug": ORG, "generateVariants": "true"}}, 403)],
    ("POST", "/api/v1/media/upload/presigned"): lambda a: [
        ("POST", "/api/v1/media/upload/presigned", {"json": {"orgSlug": ORG, "filename": "x.jpg"}}, 403)],
    ("POST", "/api/v1/media/{id}/complete"): lambda a: [
        ("POST", f"/api/v1/media/{media_id}/complete", {"json": {"generateVariants": True}}, 404) for media_id in ids(a)],
    ("GET", "/api/v1/media/list"): lambda a: [
        ("GET", "/api/v1/media/list", {"params": {"search": a["marker"]}}, expect_nothing_of_a_listed),
        ("GET", "/api/v1/media/list", {"params": {"search": a["marker"], "type": "image/"}}, expect_nothing_of_a_listed)],
    ("GET", "/api/v1/media/{id}"): lambda a: [("GET", f"/api/v1/media/{media_id}", {}, 404) for media_id in ids(a)],
    ("GET", "/api/v1/media/{id}/variants"): lambda a: [
        ("GET", f"/api/v1/media/{media_id}/variants", {}, 404) for media_id in ids(a)],
    ("POST", "/api/v1/media/batch"): lambda a: [
        ("POST", "/api/v1/media/batch", {"json": {"ids": ids(a)}}, expect_all_missing),
        ("POST", "/api/v1/media/batch", {"json": {"ids": ",".join(ids(a))}}, expect_all_missing)],
    ("PATCH", "/api/v1/media/{id}"): lambda a: [
        ("PATCH", f"/api/v1/media/{media_id}", {"json": {"alt": "changed by B", "isPrivate": False}}, 404)
        for media_id in ids(a)],
    ("DELETE", "/api/v1/media/"): lambda a: (
        [("DELETE", "/api/v1/media/", {"params": {"id": media_id}}, 404) for media_id in ids(a)]
        + [("DELETE", "/api/v1/media/", {"params": {"objectKey": key}}, 404) for m in a["media"] for key in keys_of(m)]
        + [("DELETE", "/api/v1/media/", {"json": {"objectKey": m["objectKey"], "bucketName": m["bucket"]}}, 404)
           for m in a["media"]]
        + [("DELETE", "/api/v1/media/", {"params": {"objectKey": a["pending_key"]}}, 404)]),
    ("GET", "/api/v1/media/presign"): lambda a: (
        [("GET", "/api/v1/media/presign", {"params": {"objectKey": key, "bucket": m["bucket"], "expiry": "60"}}, 404)
         for m in a["media"] for key in keys_of(m)]
        + [("GET", "/api/v1/media/presign", {"params": {"objectKey": a["pending_key"]}}, 404)]),
    ("GET", "/api/v1/media/download/{bucket}/{objectKey...}"): lambda a: (
        [("GET", f"/api/v1/media/download/{m['bucket']}/{key}", {}, 404) for m in a["media"] for key in keys_of(m)]
        + [("HEAD", f"/api/v1/media/download/{m['bucket']}/{m['objectKey']}", {}, 404) for m in a["media"]]),
    ("POST", "/api/v1/media/crop"): lambda a: [
        ("POST", "/api/v1/media/crop", {"json": {"objectKey": m["objectKey"], "bucketName": m["bucket"], "width": 10,
                                                 "height": 10, **extra}}, 404)
        for m in a["media"] for extra in ({}, {"async": True})],
    ("POST", "/api/v1/media/variants"): lambda a: [
        ("POST", "/api/v1/media/variants", {"json": {"objectKey": m["objectKey"]}}, 404) for m in a["media"]],
    ("GET", "/api/v1/media/variants/info"): lambda a: [
        ("GET", "/api/v1/media/variants/info", {"params": {"objectKey": key, "bucket": m["bucket"]}}, 404)
        for m in a["media"] for key in keys_of(m)[:2]],
    ("GET", "/api/v1/media/variant/{bucket}/{variantName}/{folder...}"): lambda a: [
        ("GET", f"/api/v1/media/variant/{m['bucket']}/{variant['name']}/{ORG}/{m['id']}", {}, 404)
        for m in a["media"] for variant in m["variants"]],
    ("GET", "/api/v1/media/job/{jobId}"): lambda a: [("GET", f"/api/v1/media/job/{a['job_id']}", {}, 404)],
    # Transforms take no API key: the URL's signature (the installation's, which no key holder
    # has) is the authorisation, so whatever B's key, an unsigned URL of A's media is 403.
    ("GET", "/img/{path...}"): lambda a: [
        ("GET", f"/img/insecure/w:10/plain/s3://{m['bucket']}/{m['objectKey']}@jpg", {}, 403) for m in a["media"]],
    ("HEAD", "/img/{path...}"): lambda a: [
        ("HEAD", f"/img/insecure/w:10/plain/s3://{m['bucket']}/{m['objectKey']}@jpg", {}, 403) for m in a["media"]],
    ("OPTIONS", CREATION): lambda a: [("OPTIONS", CREATION, {"headers": TUS}, expect_tus_discovery)],
    ("POST", CREATION): lambda a: [
        ("POST", CREATION, {"headers": dict(TUS, **{"Upload-Length": "10", "Upload-Metadata": metadata(orgSlug=ORG)})}, 403)],
    ("HEAD", CREATION + "/{id}"): lambda a: tus_calls("HEAD", a),
    ("PATCH", CREATION + "/{id}"): lambda a: tus_calls(
        "PATCH", a, data=b"%PDF-", headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}),
    ("DELETE", CREATION + "/{id}"): lambda a: tus_calls("DELETE", a),
    ("POST", MULTIPART): lambda a: [("POST", MULTIPART, {"json": {"orgSlug": ORG, "filename": "x.pdf", "size": 10}}, 403)],
    ("GET", MULTIPART + "/{id}"): lambda a: multipart_calls("GET", "", a),
    ("POST", MULTIPART + "/{id}/parts"): lambda a: multipart_calls("POST", "/parts", a, json={"partNumbers": [1]}),
    ("POST", MULTIPART + "/{id}/complete"): lambda a: multipart_calls(
        "POST", "/complete", a, json={"parts": [{"partNumber": 1, "etag": '"0123"'}]}),
    ("DELETE", MULTIPART + "/{id}"): lambda a: multipart_calls("DELETE", "", a),
}

# Routes without authentication: called without a key (and with B's), they must reveal nothing.
PUBLIC = {("GET", "/healthz"), ("GET", "/metrics")}


def router_routes():
    lines = mediactl("routes").stdout.strip().splitlines()
    routes = [tuple(line.split(None, 1)) for line in lines if line.strip()]
    assert len(routes) >= 10, lines
    return routes


def forbidden_fragments(a):
    """What B must never see: A's filenames and alt texts (the marker), checksums, CDN URLs."""
    fragments = [a["marker"]]
    for m in a["media"]:
        fragments.append(m["checksum"])
        fragments += [v["url"] for v in m["variants"] if v.get("url")]
        if m.get("url"):
            fragments.append(m["url"])
    return fragments


def test_every_route_is_in_the_matrix():
    unknown = [f"{method} {pattern}" for method, pattern in router_routes()
               if (method, pattern) not in MATRIX and (method, pattern) not in PUBLIC]
    assert not unknown, ("routes the isolation matrix does not know how to call (add them to MATRIX in "
                         f"Tests/http/test_isolation.py): {unknown}")


def test_organization_b_reaches_nothing_of_organization_a(org_a, key_b):
    fragments = forbidden_fragments(org_a)
    failures, calls = [], 0
    for method, pattern in router_routes():
        if (method, pattern) in PUBLIC:
            continue
        for call_method, path, kwargs, expectation in MATRIX[(method, pattern)](org_a):
            calls += 1
            response = api(call_method, path, key=key_b, **kwargs)
            where = f"{call_method} {path} {kwargs.get('params') or kwargs.get('json') or ''}"
            try:
                if callable(expectation):
                    expectation(response, org_a)
                else:
                    assert response.status_code == expectation, f"{response.status_code} {response.text[:300]}"
                    if call_method != "HEAD":
                        code = {404: "not_found", 403: "forbidden"}[expectation]
                        assert response.json()["error"]["code"] == code, response.text
                assert "Location" not in response.headers, response.headers
                text = response.text
                assert "X-Amz-Signature" not in text and "X-Amz-Credential" not in text, text[:300]
                leaked = [fragment for fragment in fragments if fragment in text]
                assert not leaked, f"leaked {leaked}"
            except AssertionError as error:
                failures.append(f"{where}: {error}")
    assert not failures, "\n".join(failures)
    assert calls >= 60, calls

    # Nothing of A changed: rows, privacy, metadata, objects; the pending one still pending.
    for m in org_a["media"]:
        now = api("GET", f"/api/v1/media/{m['id']}").json()
        assert (now["alt"], now["isPrivate"], now["objectKey"], now["status"]) == (m["alt"], m["isPrivate"], m["objectKey"], "ready")
        assert [v["objectKey"] for v in now["variants"]] == [v["objectKey"] for v in m["variants"]]
        assert sorted(objects_under(f"{ORG}/{m['id']}/")) == org_a["objects"][m["id"]]
    assert api("GET", f"/api/v1/media/{org_a['pending_id']}").json()["status"] == "pending"
    assert offset(f"{CREATION}/{org_a['resumable_id']}") == 0, "A's resumable upload is untouched"
    assert api("GET", f"{MULTIPART}/{org_a['multipart_id']}").json()["partCount"] == 1, "and so is its presigned multipart one"
    # And B got nothing of its own out of it (no upload landed in B).
    assert api("GET", "/api/v1/media/list", key=key_b).json()["total"] == 0


def test_public_routes_reveal_no_tenant_data(org_a, key_b):
    public = [route for route in router_routes() if route in PUBLIC]
    assert ("GET", "/healthz") in public
    for method, path in public:
        for key in (None, key_b, DEMO_KEY):
            response = api(method, path, key=key)
            assert response.status_code == 200, response.text
            text = response.text
            for fragment in forbidden_fragments(org_a) + [ORG + "/", SLUG_B, org_a["job_id"]] + ids(org_a):
                assert fragment not in text, (path, fragment)
            if path == "/healthz":
                body = response.json()
                assert set(body) == {"status", "checks"} and set(body["checks"]) <= {"database", "redis", "storage"}
