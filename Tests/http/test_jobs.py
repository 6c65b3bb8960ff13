"""Jobs through nginx: async uploads, crops, variant rebuilds, variant lookups and redirects,
job status, and the queue's guarantees when workers die or Redis restarts."""
import os
import signal
import time
import uuid

import pytest
import requests

from media_helpers import ORG, jpeg, objects_under, other_org, png_with_alpha, s3, uploaded, upload
from support import Hold, api, pool_children, stackctl

VARIANTS = ["thumbnail", "small", "medium", "large", "original_webp"]


def wait_for_job(job_id, timeout=120, seen=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        response = api("GET", f"/api/v1/media/job/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if seen is not None:
            seen.append((job["state"], job["progress"]))
        if job["state"] in ("completed", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_async_upload_goes_pending_active_completed_and_gets_every_variant():
    response = upload(jpeg(2400, 1600), generateVariants=True, **{"async": True})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["media"]["status"] == "processing" and body["media"]["variants"] == []
    seen = []
    job = wait_for_job(body["jobId"], seen=seen)
    assert job["state"] == "completed" and job["progress"] == 100 and job["type"] == "upload"
    assert job["attempts"] == 1 and job["failedReason"] is None and job["mediaId"] == body["media"]["id"]
    assert job["createdAt"] and job["startedAt"] and job["finishedAt"]
    assert seen[0][0] in ("pending", "active", "completed")
    media = api("GET", f"/api/v1/media/{body['media']['id']}").json()
    assert media["status"] == "ready" and [v["name"] for v in media["variants"]] == VARIANTS


def test_async_without_variants_is_the_sync_answer():
    response = upload(jpeg(), **{"async": True})
    assert response.status_code == 201 and response.json()["jobId"] is None


@pytest.mark.parametrize("options,size,mime", [
    ({"x": 10, "y": 20, "width": 300, "height": 200}, (300, 200), "image/jpeg"),
    ({"x": 0, "y": 0, "width": 400, "height": 300, "rotate": 90}, (300, 400), "image/jpeg"),
    ({"x": 100, "y": 50, "width": 400, "height": 300, "rotate": 270, "scale": 0.5}, (150, 200), "image/jpeg"),
    ({"width": 640, "height": 480, "rotate": 180, "scale": 0.25, "quality": 50, "format": "webp"}, (160, 120), "image/webp"),
    ({"width": 200, "height": 100, "format": "png"}, (200, 100), "image/png"),
])
def test_sync_crop_with_every_option(options, size, mime):
    media = uploaded(jpeg(640, 480), generateVariants=True)
    old_keys = {media["objectKey"]} | {v["objectKey"] for v in media["variants"]}
    response = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "regenerateVariants": True, **options})
    assert response.status_code == 200, response.text
    cropped = response.json()
    assert (cropped["width"], cropped["height"]) == size and cropped["mimeType"] == mime
    assert cropped["objectKey"] != media["objectKey"] and cropped["objectKey"].startswith(f"{ORG}/{media['id']}/original-v2.")
    assert [v["name"] for v in cropped["variants"]] == VARIANTS
    assert all(v["width"] <= size[0] for v in cropped["variants"])
    new_keys = {cropped["objectKey"]} | {v["objectKey"] for v in cropped["variants"]}
    assert not (old_keys & new_keys), "replaced bytes get new keys"
    stored = {key for _, key in objects_under(f"{ORG}/{media['id']}/")}
    assert stored == new_keys, "old objects are gone"
    got = requests.get(cropped["url"], timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"] == mime


def test_crop_without_regeneration_drops_the_old_variants():
    media = uploaded(jpeg(640, 480), generateVariants=True)
    cropped = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 100, "height": 100}).json()
    assert cropped["variants"] == []
    assert {key for _, key in objects_under(f"{ORG}/{media['id']}/")} == {cropped["objectKey"]}


def test_async_crop_and_conflicting_requests():
    media = uploaded(jpeg(3000, 2000), generateVariants=True)
    response = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 2000, "height": 1500,
                                                       "regenerateVariants": True, "async": True})
    assert response.status_code == 202, response.text
    assert response.json()["mediaId"] == media["id"]
    busy = api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]})
    assert busy.status_code in (202, 409)
    if busy.status_code == 409:
        assert busy.json()["error"]["code"] == "conflict"
    job = wait_for_job(response.json()["jobId"])
    assert job["state"] == "completed" and job["type"] == "crop", job
    after = api("GET", f"/api/v1/media/{media['id']}").json()
    assert (after["width"], after["height"]) == (2000, 1500) and after["status"] == "ready"


@pytest.mark.parametrize("body,status,code", [
    ({"x": 600, "width": 100, "height": 100}, 422, "invalid_crop"),
    ({"width": 641, "height": 10}, 422, "invalid_crop"),
    ({"width": 100, "height": 100, "rotate": 45}, 400, "validation_error"),
    ({"width": 100, "height": 100, "scale": 0}, 400, "validation_error"),
    ({"width": 100, "height": 100, "scale": 1.5}, 400, "validation_error"),
    ({"width": 100, "height": 100, "quality": 0}, 400, "validation_error"),
    ({"width": 100, "height": 100, "format": "gif"}, 400, "validation_error"),
    ({"width": "100", "height": 100}, 400, "validation_error"),
    ({"height": 100}, 400, "validation_error"),
    ({"width": 10, "height": 10, "surprise": 1}, 400, "validation_error"),
])
def test_crop_errors(body, status, code):
    media = uploaded(jpeg(640, 480))
    response = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], **body})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_crop_of_a_pdf_is_415():
    media = uploaded(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", filename="doc.pdf")
    response = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 1, "height": 1})
    assert response.status_code == 415


def test_variants_job_rebuilds_every_variant():
    media = uploaded(png_with_alpha(), filename="a.png")
    response = api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"], "bucketName": media["bucket"]})
    assert response.status_code == 202, response.text
    assert wait_for_job(response.json()["jobId"])["state"] == "completed"
    info = api("GET", "/api/v1/media/variants/info", params={"objectKey": media["objectKey"], "bucket": media["bucket"]})
    assert info.status_code == 200, info.text
    assert info.json()["objectKey"] == media["objectKey"] and info.json()["bucket"] == media["bucket"]
    assert [v["name"] for v in info.json()["variants"]] == VARIANTS


def test_variant_redirects_public_to_the_cdn_and_private_to_a_presigned_url():
    media = uploaded(jpeg(), generateVariants=True)
    folder = f"{ORG}/{media['id']}"
    public = api("GET", f"/api/v1/media/variant/{media['bucket']}/thumbnail/{folder}")
    assert public.status_code == 302 and public.headers["Location"] == media["variants"][0]["url"]
    assert requests.get(public.headers["Location"], timeout=30).status_code == 200
    private = api("PATCH", f"/api/v1/media/{media['id']}", json={"isPrivate": True}).json()
    redirect = api("GET", f"/api/v1/media/variant/{private['bucket']}/thumbnail/{folder}")
    assert redirect.status_code == 302 and "X-Amz-Signature=" in redirect.headers["Location"]
    fetched = requests.get(redirect.headers["Location"], timeout=30)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/jpeg"
    assert requests.get(media["variants"][0]["url"], timeout=30).status_code in (403, 404), "no longer public"
    assert api("GET", f"/api/v1/media/variant/{private['bucket']}/huge/{folder}").status_code == 400
    assert api("GET", f"/api/v1/media/variant/not-configured/thumbnail/{folder}").status_code == 400
    assert api("GET", f"/api/v1/media/variant/{private['bucket']}/thumbnail/{ORG}/{uuid.uuid4()}").status_code == 404
    bare = uploaded(jpeg())
    assert api("GET", f"/api/v1/media/variant/{bare['bucket']}/thumbnail/{ORG}/{bare['id']}").status_code == 404
    assert api("GET", f"/api/v1/media/variant/{media['bucket']}/thumbnail/{folder}", key=other_org()["key"]).status_code in (404,)


def test_jobs_of_other_organizations_and_unknown_jobs_are_404():
    response = upload(jpeg(), generateVariants=True, **{"async": True})
    job_id = response.json()["jobId"]
    assert api("GET", f"/api/v1/media/job/{job_id}", key=other_org()["key"]).status_code == 404
    assert api("GET", f"/api/v1/media/job/{uuid.uuid4()}").status_code == 404
    assert api("GET", "/api/v1/media/job/not-a-job").status_code == 404
    wait_for_job(job_id)


def test_other_organizations_cannot_process_my_media():
    media = uploaded(jpeg())
    key = other_org()["key"]
    assert api("POST", "/api/v1/media/crop", key=key, json={"objectKey": media["objectKey"], "width": 1, "height": 1}).status_code == 404
    assert api("POST", "/api/v1/media/variants", key=key, json={"objectKey": media["objectKey"]}).status_code == 404
    assert api("GET", "/api/v1/media/variants/info", key=key, params={"objectKey": media["objectKey"]}).status_code == 404


# --- The queue's guarantees -------------------------------------------------------------------

def test_worker_killed_mid_job_the_job_is_taken_over_and_completes():
    """media-worker is killed while its job has written the variants and not yet committed
    them (held there); a new worker takes the job over and completes it."""
    filename = f"killed-mid-job-{uuid.uuid4().hex[:12]}.jpg"
    with Hold("processing.objects-written", subject=filename) as hold:
        response = upload(jpeg(1600, 1200, color=(10, 80, 200)), filename=filename, generateVariants=True, **{"async": True})
        assert response.status_code == 202, response.text
        job_id = response.json()["jobId"]
        holder = hold.wait()["pid"]
        workers = pool_children("worker")
        assert holder in workers, f"held by {holder}, not by a worker process {workers}"
        job = api("GET", f"/api/v1/media/job/{job_id}").json()
        assert job["state"] == "active" and job["attempts"] == 1, job
        for pid in workers:
            os.kill(pid, signal.SIGKILL)   # the master starts new ones; they take the job over
    job = wait_for_job(job_id, timeout=180)
    assert job["state"] == "completed", job
    assert job["attempts"] == 2
    media = api("GET", f"/api/v1/media/{job['mediaId']}").json()
    assert media["status"] == "ready" and len(media["variants"]) == 5


def test_a_job_that_always_fails_ends_failed_with_a_reason_after_the_configured_attempts():
    media = uploaded(jpeg())
    s3().delete_object(Bucket=media["bucket"], Key=media["objectKey"])   # the original vanishes behind our back
    response = api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]})
    assert response.status_code == 202, response.text
    job = wait_for_job(response.json()["jobId"], timeout=120)
    assert job["state"] == "failed"
    assert job["attempts"] == int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
    assert "NoSuchKey" in job["failedReason"] or "not found" in job["failedReason"].lower(), job["failedReason"]
    assert api("GET", f"/api/v1/media/{media['id']}").json()["status"] == "ready", "the original row is left as it was"


def test_jobs_queued_while_redis_restarts_are_not_lost():
    stackctl("stop", "worker")
    try:
        jobs = []
        for _ in range(5):
            media = uploaded(jpeg(400, 300))
            response = api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]})
            assert response.status_code == 202, response.text
            jobs.append(response.json()["jobId"])
        stackctl("restart", "redis")
    finally:
        stackctl("start", "worker")
    for job_id in jobs:
        assert wait_for_job(job_id, timeout=120)["state"] == "completed"


def test_redis_down_queue_endpoints_answer_503_and_sync_ones_keep_working():
    media = uploaded(jpeg())
    stackctl("stop", "redis")
    try:
        queued = api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]})
        assert queued.status_code == 503 and queued.json()["error"]["details"]["dependency"] == "redis"
        async_upload = upload(jpeg(), generateVariants=True, **{"async": True})
        assert async_upload.status_code == 503
        assert upload(jpeg(), generateVariants=True).status_code == 201
        assert api("GET", f"/api/v1/media/{media['id']}").status_code == 200
    finally:
        stackctl("start", "redis")
    deadline = time.time() + 30
    while api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]}).status_code != 202:
        assert time.time() < deadline, "the queue did not recover without a restart"
        time.sleep(0.5)


def test_many_short_jobs_on_two_workers_each_run_exactly_once():
    assert len(pool_children("worker")) >= 2, "the test stack runs two worker processes"
    jobs = []
    for _ in range(30):
        media = uploaded(jpeg(200, 150))
        jobs.append(api("POST", "/api/v1/media/variants", json={"objectKey": media["objectKey"]}).json()["jobId"])
    finished = [wait_for_job(job_id) for job_id in jobs]
    assert all(job["state"] == "completed" for job in finished)
    assert [job["attempts"] for job in finished] == [1] * 30, "no job was started twice"
