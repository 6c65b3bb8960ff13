"""Resumable uploads (tus 1.0.0 at /api/v1/media/upload/resumable): the tuspy client through a
cut connection and a killed worker, and each edge of the protocol the service answers."""
import hashlib
import os
import signal
import threading

import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.storage import filestorage

from hostile_corpus import jpeg_with_sof
from media_helpers import jpeg, objects_under, other_org, s3
from support import BASE_URL, CA_CERT, DEMO_KEY, Hold, api, pool_children, wait_for
from tus_helpers import (CREATION, MiB, TUS, checksum, create, created, cut_patch, expire, head, metadata, offset, patch,
                         pdf_bytes)


@pytest.fixture
def tus(monkeypatch, tmp_path):
    # tuspy verifies TLS through requests, which reads the CA from here: verified, never disabled.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", CA_CERT)
    client = tus_client.TusClient(BASE_URL + CREATION, headers={"Authorization": f"Bearer {DEMO_KEY}"})
    storage = filestorage.FileStorage(str(tmp_path / "tus-urls.json"))

    def uploader(path, **kw):
        return client.uploader(str(path), chunk_size=5 * MiB, store_url=True, url_storage=storage,
                               metadata={"orgSlug": "demo", "filename": os.path.basename(path)}, **kw)
    yield uploader
    storage.close()


def resume(uploader_for, path, deadline=30):
    """A new client from the stored URL, retried only while the upload is locked (423): a writer
    killed mid-PATCH holds its lease until it lapses (RESUMABLE_LOCK_SECONDS of the test stack)."""
    def attempt():
        uploader = uploader_for(path)
        try:
            uploader.upload()
            return uploader
        except (TusCommunicationError, TusUploadFailed) as error:
            if error.status_code == 423:
                return None
            raise
    return wait_for(attempt, deadline, "the killed writer's lease to lapse", interval=0.5)


def test_tuspy_resumes_after_a_cut_connection_and_a_killed_worker(tus, tmp_path):
    data = pdf_bytes(64 * MiB)
    path = tmp_path / "resumable.pdf"
    path.write_bytes(data)
    uploader = tus(path)
    uploader.upload(stop_at=15 * MiB)
    location = uploader.url
    media_id = location.rsplit("/", 1)[1]
    assert offset(location) == 15 * MiB

    # The connection drops 2 MiB into a 5 MiB chunk: what reached the service is kept (all that
    # nginx had forwarded, which may be nothing at all when the cut comes first).
    cut_patch(location.replace(BASE_URL, ""), 15 * MiB, data[15 * MiB:20 * MiB], sent=2 * MiB)

    def settled():
        # The cut PATCH has ended on the server once an empty PATCH at the offset is no longer
        # 423 (its lease is free) nor 409 (it committed in between).
        current = offset(location)
        return patch(location, current, b"").status_code == 204 and current
    kept = wait_for(settled, 30, "the cut PATCH to end on the server")
    assert 15 * MiB <= kept < 20 * MiB

    # The worker carrying the upload dies (kill -9) right after storing a part, before its offset is committed.
    failure = []
    with Hold("resumable.part-stored", subject=media_id) as hold:
        def carry_on():
            try:
                resume(tus, path, deadline=10)
            except Exception as error:   # the killed request's 503
                failure.append(error)
        thread = threading.Thread(target=carry_on)
        thread.start()
        held = hold.wait(timeout=60, unless=lambda: not thread.is_alive())
        assert held["pid"] in pool_children("api")
        committed = offset(location)
        os.kill(held["pid"], signal.SIGKILL)
        thread.join(60)
    assert failure and getattr(failure[0], "status_code", None) == 503, failure
    assert offset(location) == committed, "a killed PATCH must not move the offset"

    finished = resume(tus, path)
    assert finished.offset == len(data)
    media_id_header = finished.request.response_headers["media-id"]
    assert media_id_header == media_id
    media = api("GET", f"/api/v1/media/{media_id}").json()
    assert media["status"] == "ready"
    assert media["size"] == len(data)
    assert media["mimeType"] == "application/pdf"
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    stored = api("GET", f"/api/v1/media/download/{media['bucket']}/{media['objectKey']}")
    assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert head(location).status_code == 404, "a finished upload is gone"


def test_options_and_other_versions():
    response = api("OPTIONS", CREATION, headers=TUS)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) >= {"creation", "creation-with-upload", "creation-defer-length",
                                                                  "termination", "expiration", "checksum"}
    assert int(response.headers["Tus-Max-Size"]) == 50 << 30
    old = api("POST", CREATION, headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10"})
    assert old.status_code == 412
    assert old.headers["Tus-Resumable"] == "1.0.0"
    assert old.json()["error"]["code"] == "unsupported_version"


def test_checksum_mismatch_is_460_and_keeps_nothing():
    data = pdf_bytes(1 * MiB)
    location = created(len(data), filename="sum.pdf")
    bad = patch(location, 0, data[:1000], headers={"Upload-Checksum": checksum("sha256", b"other bytes")})
    assert bad.status_code == 460, bad.text
    assert bad.json()["error"]["code"] == "checksum_mismatch"
    assert offset(location) == 0
    unknown = patch(location, 0, data[:1000], headers={"Upload-Checksum": "md5 " + "A" * 24})
    assert unknown.status_code == 400
    good = patch(location, 0, data[:1000], headers={"Upload-Checksum": checksum("sha1", data[:1000])})
    assert good.status_code == 204, good.text
    assert good.headers["Upload-Offset"] == "1000"
    last = patch(location, 1000, data[1000:], headers={"Upload-Checksum": checksum("sha256", data[1000:])})
    assert last.status_code == 204, last.text
    assert api("GET", f"/api/v1/media/{last.headers['Media-Id']}").json()["status"] == "ready"


def test_offset_mismatch_is_409():
    location = created(100, filename="offset.pdf")
    response = patch(location, 10, b"x" * 10)
    assert response.status_code == 409
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert offset(location) == 0


def test_termination_removes_the_upload_and_its_media():
    location = created(10 * MiB, filename="gone.pdf")
    media_id = location.rsplit("/", 1)[1]
    assert patch(location, 0, pdf_bytes(10 * MiB)[:9 * MiB]).status_code == 204
    assert api("GET", f"/api/v1/media/{media_id}").json()["status"] == "pending"
    response = api("DELETE", location, headers=TUS)
    assert response.status_code == 204
    assert head(location).status_code == 404
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
    assert api("DELETE", location, headers=TUS).status_code == 404


def test_expired_upload_is_410():
    location = created(100, filename="late.pdf")
    expire(location.rsplit("/", 1)[1])
    assert head(location).status_code == 410
    response = patch(location, 0, b"x" * 10)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "gone"


def test_size_limits_are_413():
    too_big = create((50 << 30) + 1, filename="huge.pdf")
    assert too_big.status_code == 413, too_big.text
    assert too_big.headers["Tus-Resumable"] == "1.0.0"
    location = created(100, filename="small.pdf")
    over = patch(location, 0, b"x" * 101)
    assert over.status_code == 413
    assert offset(location) == 0


def test_another_organizations_key_sees_nothing():
    location = created(100, filename="mine.pdf")
    other = other_org()["key"]
    assert head(location, key=other).status_code == 404
    assert patch(location, 0, b"%PDF-" + b"x" * 95, key=other).status_code == 404
    assert api("DELETE", location, key=other, headers=TUS).status_code == 404
    assert create(100, key=other, filename="x.pdf").status_code == 403, "orgSlug demo with another organization's key"
    assert offset(location) == 0


def test_creation_with_upload_and_deferred_length_makes_variants_when_asked():
    data = jpeg(800, 600)
    created_response = api("POST", CREATION, data=data, headers=dict(TUS, **{
        "Upload-Defer-Length": "1", "Content-Type": "application/offset+octet-stream",
        "Upload-Metadata": metadata(orgSlug="demo", filename="photo.jpg", generateVariants="true")}))
    assert created_response.status_code == 201, created_response.text
    location = created_response.headers["Location"]
    assert created_response.headers["Upload-Offset"] == str(len(data))
    assert head(location).headers["Upload-Defer-Length"] == "1"
    last = patch(location, len(data), b"", headers={"Upload-Length": str(len(data))})
    assert last.status_code == 204, last.text
    assert last.headers["Media-Status"] == "processing"
    media_id = last.headers["Media-Id"]
    media = wait_for(lambda: (m := api("GET", f"/api/v1/media/{media_id}").json())["status"] == "ready" and m, 60, "variants")
    assert media["mimeType"] == "image/jpeg" and (media["width"], media["height"]) == (800, 600)
    assert {v["name"] for v in media["variants"]} >= {"thumbnail", "original_webp"}


def test_a_refused_file_leaves_nothing():
    data = b"<!doctype html><html><script>alert(1)</script></html>"
    location = created(len(data), filename="page.pdf")
    media_id = location.rsplit("/", 1)[1]
    response = patch(location, 0, data)
    assert response.status_code == 415, response.text
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
    assert head(location).status_code == 404
    assert objects_under(f"_staging/demo/{media_id}") == []
    assert objects_under(f"_resumable/demo/{media_id}/") == []


def test_a_pixel_bomb_leaves_nothing():
    data = jpeg_with_sof(64250, 64250)
    location = created(len(data), filename="bomb.jpg")
    media_id = location.rsplit("/", 1)[1]
    response = patch(location, 0, data)
    assert response.status_code == 422, response.text
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
    assert head(location).status_code == 404, "the upload went with its refused media"
    assert objects_under(f"_staging/demo/{media_id}") == []
    assert multipart_uploads(media_id) == []


def test_the_repair_pass_removes_an_abandoned_upload():
    data = pdf_bytes(10 * MiB)
    location = created(len(data), filename="abandoned.pdf")
    media_id = location.rsplit("/", 1)[1]
    assert patch(location, 0, data[:9 * MiB]).status_code == 204
    assert objects_under(f"_resumable/demo/{media_id}/"), "the tail waits in S3"
    assert multipart_uploads(media_id), "and the part in a multipart upload"
    expire(media_id, seconds_ago=3600)
    # media-worker's own pass (every 5 s on the test stack) aborts it and removes everything.
    wait_for(lambda: head(location).status_code == 404, 60, "the repair pass to remove the expired upload")
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
    assert objects_under(f"_resumable/demo/{media_id}/") == []
    assert multipart_uploads(media_id) == []


def multipart_uploads(media_id):
    answer = s3().list_multipart_uploads(Bucket=os.environ.get("S3_PRIVATE_BUCKET", os.environ["S3_BUCKET"] + "-private"), Prefix=f"_staging/demo/{media_id}")
    return answer.get("Uploads", [])
