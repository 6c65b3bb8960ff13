"""Presigned multipart uploads (/api/v1/media/upload/multipart): a plain HTTP client PUTs the
parts straight to S3 through the URLs the service signs, one part twice, and completes; what
S3 lists to resume; and every refusal, which leaves either the upload as it was or nothing."""
import hashlib
import os
import subprocess

import pytest
import requests

from hostile_corpus import jpeg_with_sof
from media_helpers import objects_under, other_org, s3
from support import BIN_DIR, api, wait_for
from tus_helpers import CREATION as TUS_CREATION
from tus_helpers import TUS, MiB, expire, pdf_bytes
from tus_helpers import created as tus_created

CREATION = "/api/v1/media/upload/multipart"
PRIVATE_BUCKET = os.environ.get("S3_PRIVATE_BUCKET", os.environ.get("S3_BUCKET", "media") + "-private")


def create(size, key=None, **fields):
    body = {"orgSlug": "demo", "filename": "big.pdf", "size": size}
    body.update(fields)
    return api("POST", CREATION, json=body, **({} if key is None else {"key": key}))


def created(size, **fields):
    response = create(size, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def put_part(part, data):
    """The browser's PUT, straight to S3: no API key, only the signed URL and its Content-Length."""
    response = requests.put(part["url"], data=data, timeout=60)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def part_bytes(upload, data, number):
    start = (number - 1) * upload["partSize"]
    return data[start:start + upload["partSize"]]


def multipart_uploads(media_id):
    return s3().list_multipart_uploads(Bucket=PRIVATE_BUCKET, Prefix=f"_staging/demo/{media_id}").get("Uploads", [])


def upload_row(media_id):
    socket_path = os.environ.get("MEDIA_DB_ADMIN_SOCKET", "")
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={socket_path}", "--user=root", "media", "-N", "-e",
                          f"SELECT kind FROM resumable_uploads WHERE media_id = '{media_id}'"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def assert_nothing_left(media_id):
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
    assert api("GET", f"{CREATION}/{media_id}").status_code == 404
    assert upload_row(media_id) == ""
    assert objects_under(f"_staging/demo/{media_id}") == []
    assert objects_under(f"demo/{media_id}/") == []
    assert multipart_uploads(media_id) == []


def test_four_parts_from_a_plain_http_client_one_sent_twice():
    data = pdf_bytes(32 * MiB)
    upload = created(len(data), firstParts=2, alt="a big file")
    media_id = upload["mediaId"]
    assert (upload["partSize"], upload["partCount"], upload["size"]) == (8 * MiB, 4, len(data))
    assert [p["partNumber"] for p in upload["parts"]] == [1, 2]
    assert upload_row(media_id) == "presigned"
    assert api("GET", f"/api/v1/media/{media_id}").json()["status"] == "pending"

    etags = {p["partNumber"]: put_part(p, part_bytes(upload, data, p["partNumber"])) for p in upload["parts"]}
    more = api("POST", f"{CREATION}/{media_id}/parts", json={"partNumbers": [3, 4, 2]})
    assert more.status_code == 200, more.text
    signed = {p["partNumber"]: p for p in more.json()["parts"]}
    assert sorted(signed) == [2, 3, 4]
    assert signed[4]["size"] == len(data) - 3 * 8 * MiB
    for number in (3, 4):
        etags[number] = put_part(signed[number], part_bytes(upload, data, number))
    # Part 2 sent again (same bytes, as a retried PUT does): the last PUT's ETag is the one named.
    etags[2] = put_part(signed[2], part_bytes(upload, data, 2))

    listed = api("GET", f"{CREATION}/{media_id}").json()
    assert [p["partNumber"] for p in listed["parts"]] == [1, 2, 3, 4]
    assert all(etags[p["partNumber"]] in p["etags"] for p in listed["parts"])

    done = api("POST", f"{CREATION}/{media_id}/complete",
               json={"parts": [{"partNumber": n, "etag": etag} for n, etag in sorted(etags.items())]})
    assert done.status_code == 200, done.text
    media = done.json()["media"]
    assert media["id"] == media_id and media["status"] == "ready"
    assert media["size"] == len(data)
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert media["alt"] == "a big file"
    stored = s3().get_object(Bucket=os.environ["S3_BUCKET"], Key=media["objectKey"])["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    assert objects_under(f"_staging/demo/{media_id}") == [], "the staged object is gone"
    assert multipart_uploads(media_id) == []
    assert upload_row(media_id) == ""
    assert api("GET", f"{CREATION}/{media_id}").status_code == 404


def test_a_part_sent_again_with_other_bytes_is_assembled_from_the_named_etag():
    # SeaweedFS lists a part sent again under both ETags and assembles whichever is named:
    # completing with the first ETag would publish the old bytes; the service checks, S3 assembles.
    data = pdf_bytes(9 * MiB)
    upload = created(len(data), filename="resent.pdf")
    media_id, parts = upload["mediaId"], {p["partNumber"]: p for p in upload["parts"]}
    first = put_part(parts[1], data[:8 * MiB])
    changed = data[:100] + b"X" * 100 + data[200:8 * MiB]
    second = put_part(parts[1], changed)
    last = put_part(parts[2], data[8 * MiB:])
    listed = api("GET", f"{CREATION}/{media_id}").json()["parts"]
    assert {p["partNumber"] for p in listed} == {1, 2}
    done = api("POST", f"{CREATION}/{media_id}/complete",
               json={"parts": [{"partNumber": 1, "etag": second}, {"partNumber": 2, "etag": last}]})
    assert done.status_code == 200, done.text
    expected = changed + data[8 * MiB:]
    assert done.json()["media"]["checksum"] == "sha256:" + hashlib.sha256(expected).hexdigest()
    assert first != second


def test_listing_the_parts_resumes_an_upload():
    data = pdf_bytes(17 * MiB)
    upload = created(len(data), filename="resume.pdf", firstParts=1)
    media_id = upload["mediaId"]
    put_part(upload["parts"][0], data[:8 * MiB])
    # The client lost its state: it asks what S3 holds, signs the rest, and sends only those.
    state = api("GET", f"{CREATION}/{media_id}")
    assert state.status_code == 200 and state.headers["Cache-Control"] == "no-store"
    state = state.json()
    assert state["partCount"] == 3
    assert [(p["partNumber"], p["size"]) for p in state["parts"]] == [(1, 8 * MiB)]
    held = {p["partNumber"]: p["etag"] for p in state["parts"]}
    missing = [n for n in range(1, state["partCount"] + 1) if n not in held]
    signed = api("POST", f"{CREATION}/{media_id}/parts", json={"partNumbers": missing}).json()["parts"]
    for part in signed:
        held[part["partNumber"]] = put_part(part, part_bytes(upload, data, part["partNumber"]))
    done = api("POST", f"{CREATION}/{media_id}/complete",
               json={"parts": [{"partNumber": n, "etag": held[n]} for n in sorted(held)]})
    assert done.status_code == 200, done.text
    assert done.json()["media"]["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_a_wrong_etag_or_a_missing_part_is_refused_and_keeps_the_upload():
    data = pdf_bytes(9 * MiB)
    upload = created(len(data), filename="wrong.pdf")
    media_id, parts = upload["mediaId"], upload["parts"]
    good = put_part(parts[0], data[:8 * MiB])
    missing = api("POST", f"{CREATION}/{media_id}/complete",
                  json={"parts": [{"partNumber": 1, "etag": good}, {"partNumber": 2, "etag": '"0123"'}]})
    assert missing.status_code == 409, missing.text
    assert missing.json()["error"]["details"]["partNumber"] == "2"
    last = put_part(parts[1], data[8 * MiB:])
    wrong = api("POST", f"{CREATION}/{media_id}/complete",
                json={"parts": [{"partNumber": 1, "etag": '"0123456789abcdef0123456789abcdef"'}, {"partNumber": 2, "etag": last}]})
    assert wrong.status_code == 400, wrong.text
    error = wrong.json()["error"]
    assert error["code"] == "validation_error" and error["details"]["partNumber"] == "1"
    assert "ETag" in error["message"]
    incomplete = api("POST", f"{CREATION}/{media_id}/complete", json={"parts": [{"partNumber": 1, "etag": good}]})
    assert incomplete.status_code == 400 and incomplete.json()["error"]["details"]["partNumber"] == "2"
    assert len(multipart_uploads(media_id)) == 1, "the upload is kept for a complete with the right ETags"
    done = api("POST", f"{CREATION}/{media_id}/complete",
               json={"parts": [{"partNumber": 1, "etag": good}, {"partNumber": 2, "etag": last}]})
    assert done.status_code == 200, done.text


def test_a_part_of_another_size_is_refused_by_s3():
    upload = created(9 * MiB, filename="size.pdf")
    response = requests.put(upload["parts"][0]["url"], data=b"%PDF-" + b"0" * 100, timeout=60)
    assert response.status_code == 403, "the URL signs the part's Content-Length"


@pytest.mark.parametrize("filename,data,mime_type,status", [
    ("page.pdf", b"<!doctype html><html><script>alert(1)</script></html>", None, 415),
    ("bomb.jpg", jpeg_with_sof(64250, 64250), "image/jpeg", 422),
], ids=["html", "pixel-bomb"])
def test_a_file_the_inspection_refuses_leaves_nothing_behind(filename, data, mime_type, status):
    upload = created(len(data), filename=filename, **({"mimeType": mime_type} if mime_type else {}))
    media_id = upload["mediaId"]
    etag = put_part(upload["parts"][0], data)
    done = api("POST", f"{CREATION}/{media_id}/complete", json={"parts": [{"partNumber": 1, "etag": etag}]})
    assert done.status_code == status, done.text
    assert_nothing_left(media_id)


def test_abort_removes_the_upload():
    data = pdf_bytes(9 * MiB)
    upload = created(len(data), filename="abort.pdf")
    media_id = upload["mediaId"]
    put_part(upload["parts"][0], data[:8 * MiB])
    assert multipart_uploads(media_id)
    assert api("DELETE", f"{CREATION}/{media_id}").status_code == 204
    assert_nothing_left(media_id)
    assert api("DELETE", f"{CREATION}/{media_id}").status_code == 404


def test_another_organizations_key_sees_nothing():
    upload = created(1000, filename="mine.pdf")
    media_id = upload["mediaId"]
    key = other_org()["key"]
    assert api("GET", f"{CREATION}/{media_id}", key=key).status_code == 404
    assert api("POST", f"{CREATION}/{media_id}/parts", key=key, json={"partNumbers": [1]}).status_code == 404
    assert api("POST", f"{CREATION}/{media_id}/complete", key=key,
               json={"parts": [{"partNumber": 1, "etag": '"x"'}]}).status_code == 404
    assert api("DELETE", f"{CREATION}/{media_id}", key=key).status_code == 404
    assert create(1000, key=key).status_code == 403, "the demo organization's slug with another key"
    assert api("GET", f"{CREATION}/{media_id}").status_code == 200, "untouched"


def test_each_protocol_sees_only_its_own_uploads():
    presigned = created(1000, filename="presigned.pdf")["mediaId"]
    tus = tus_created(1000, filename="tus.pdf").rsplit("/", 1)[1]
    for method in ("HEAD", "DELETE"):
        assert api(method, f"{TUS_CREATION}/{presigned}", headers=TUS).status_code == 404
    assert api("PATCH", f"{TUS_CREATION}/{presigned}", data=b"%PDF-",
               headers=dict(TUS, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})).status_code == 404
    assert api("GET", f"{CREATION}/{tus}").status_code == 404
    assert api("DELETE", f"{CREATION}/{tus}").status_code == 404
    assert upload_row(presigned) == "presigned" and upload_row(tus) == "tus", "both untouched"
    assert api("DELETE", f"{CREATION}/{presigned}").status_code == 204
    assert api("DELETE", f"{TUS_CREATION}/{tus}", headers=TUS).status_code == 204


def test_creation_limits_and_bad_requests():
    assert create(50 * (1 << 30) + 1).status_code == 413
    assert create(0).status_code == 415
    assert create(100, filename="page.html").status_code == 415
    assert create(100, firstParts=101).status_code == 400
    assert api("POST", CREATION, json={"orgSlug": "demo", "filename": "x.pdf"}).json()["error"]["details"]["field"] == "size"
    upload = created(100)
    signed = api("POST", f"{CREATION}/{upload['mediaId']}/parts", json={"partNumbers": [2]})
    assert signed.status_code == 400 and signed.json()["error"]["details"]["partNumber"] == "2"
    assert api("POST", f"{CREATION}/{upload['mediaId']}/complete", json={"parts": []}).status_code == 400


def test_the_repair_pass_removes_an_abandoned_upload():
    data = pdf_bytes(9 * MiB)
    upload = created(len(data), filename="abandoned.pdf")
    media_id = upload["mediaId"]
    put_part(upload["parts"][0], data[:8 * MiB])
    assert api("GET", f"{CREATION}/{media_id}").status_code == 200
    expire(media_id)
    assert api("GET", f"{CREATION}/{media_id}").status_code == 410
    expire(media_id, seconds_ago=3600)
    # media-worker's own pass (every 5 s on the test stack) aborts it and removes everything.
    wait_for(lambda: upload_row(media_id) == "", 60, "the repair pass to remove the expired upload")
    assert_nothing_left(media_id)


def test_mediactl_reconcile_reports_and_removes_an_abandoned_upload(stopped):
    data = pdf_bytes(9 * MiB)
    upload = created(len(data), filename="reconciled.pdf")
    media_id = upload["mediaId"]
    put_part(upload["parts"][0], data[:8 * MiB])
    # The worker's own repair pass is stopped, so what mediactl sees is this upload as left.
    with stopped("worker"):
        expire(media_id)
        arguments = ("--org", "demo", "--grace-minutes", "0")
        report = mediactl_reconcile(*arguments)
        assert f"_staging/demo/{media_id}: presigned multipart upload expired" in report.stdout, report.stdout
        assert multipart_uploads(media_id), "a report alone changes nothing"
        fixed = mediactl_reconcile(*arguments, "--fix")
        assert f"fixed     demo/{media_id}: expired upload" in fixed.stdout, fixed.stdout
    assert_nothing_left(media_id)


def mediactl_reconcile(*arguments):
    return subprocess.run([os.path.join(BIN_DIR, "mediactl"), "reconcile", *arguments], capture_output=True, text=True,
                          timeout=300)
