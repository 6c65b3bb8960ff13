"""Writes that an attacker with an ordinary API key could turn against the service: presigned
uploads replayed, oversized or raced; a privacy change racing a crop; a Redis connection
left inside MULTI. Each test failed on the code before its fix."""
import datetime
import hashlib
import os
import subprocess
import threading

import requests

from media_helpers import ORG, jpeg, objects_under, s3, uploaded
from support import Hold, api, wait_for

PRIVATE_BUCKET = os.environ.get("S3_PRIVATE_BUCKET", os.environ.get("S3_BUCKET", "media") + "-private")
HTML = b"<html><script>alert(document.cookie)</script></html>"


def start_presigned(filename="direct.png", **fields):
    answer = api("POST", "/api/v1/media/upload/presigned", json={"orgSlug": ORG, "filename": filename, **fields})
    assert answer.status_code == 200, answer.text
    return answer.json()


def staged_keys(media_id):
    listing = s3().list_objects_v2(Bucket=PRIVATE_BUCKET, Prefix=f"_staging/{ORG}/{media_id}")
    return [item["Key"] for item in listing.get("Contents", [])]


def served_bytes(media):
    """What the CDN side (the public bucket, anonymous) serves at the media's URL."""
    answer = requests.get(media["url"], timeout=30)
    return answer.status_code, answer.content


def test_a_presigned_url_stages_once_and_publishes_nothing_after_complete_or_delete():
    data = jpeg(320, 200)
    ticket = start_presigned("once.jpg", mimeType="image/jpeg", size=len(data))
    assert ticket["headers"] == {"Content-Type": "image/jpeg", "If-None-Match": "*", "Content-Length": str(len(data))}
    assert "/_staging/" in ticket["uploadUrl"] and f"/{PRIVATE_BUCKET}/" in ticket["uploadUrl"]
    expires = datetime.datetime.fromisoformat(ticket["expiresAt"].replace("Z", "+00:00"))
    lifetime = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 850 < lifetime <= 900, f"a presigned upload lives 15 minutes by default, not {lifetime:.0f} s"

    first = requests.put(ticket["uploadUrl"], data=data, headers=ticket["headers"], timeout=30)
    assert first.status_code == 200, first.text
    # A second PUT before complete (a leaked URL) cannot replace what the client staged.
    other = jpeg(320, 200, color=(0, 0, 255))
    second = requests.put(ticket["uploadUrl"], data=other, headers=ticket["headers"], timeout=30)
    assert second.status_code == 412, second.text
    # Nothing is under the media's folder, and nothing is served, before complete.
    assert objects_under(f"{ORG}/{ticket['mediaId']}/") == []

    done = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={})
    assert done.status_code == 200, done.text
    media = done.json()["media"]
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert served_bytes(media) == (200, data)
    assert staged_keys(ticket["mediaId"]) == [], "complete removes the staged object"

    # Replays after complete: HTML of the same length is refused by the store or lands in the
    # staging area, which nothing serves or reads; the media's bytes do not change.
    forged = (HTML * (len(data) // len(HTML) + 1))[:len(data)]
    replay = requests.put(ticket["uploadUrl"], data=forged, headers=ticket["headers"], timeout=30)
    assert replay.status_code in (200, 412), replay.text
    assert served_bytes(media) == (200, data)
    assert api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={}).status_code == 409
    assert api("GET", f"/api/v1/media/{ticket['mediaId']}").json()["checksum"] == media["checksum"]
    assert [key for _, key in objects_under(f"{ORG}/{ticket['mediaId']}/")] == [media["objectKey"]]

    # After the media is deleted, the URL publishes nothing either.
    assert api("DELETE", "/api/v1/media/", params={"id": media["id"]}).status_code == 200
    requests.put(ticket["uploadUrl"], data=forged, headers=ticket["headers"], timeout=30)
    assert objects_under(f"{ORG}/{ticket['mediaId']}/") == []
    assert served_bytes(media)[0] in (403, 404)
    assert api("GET", f"/api/v1/media/{media['id']}").status_code == 404


def test_a_presigned_upload_cannot_exceed_its_declared_size():
    data = jpeg(200, 100)
    ticket = start_presigned("sized.jpg", mimeType="image/jpeg", size=len(data))
    longer = requests.put(ticket["uploadUrl"], data=data + b"\0" * 1024, headers={**ticket["headers"],
                                                                                 "Content-Length": str(len(data) + 1024)},
                          timeout=30)
    assert longer.status_code == 403, "the declared Content-Length is signed"
    assert staged_keys(ticket["mediaId"]) == []
    assert api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={}).status_code == 409
    assert api("GET", f"/api/v1/media/{ticket['mediaId']}").json()["status"] == "pending"
    api("DELETE", "/api/v1/media/", params={"id": ticket["mediaId"]})


def test_a_staged_object_over_the_upload_limit_never_becomes_ready():
    limit = int(os.environ.get("UPLOAD_MAX_BYTES", 100 << 20))
    ticket = start_presigned("huge.pdf", mimeType="application/pdf")
    assert "Content-Length" not in ticket["headers"], "no size declared, none signed"
    body = b"%PDF-1.4\n" + b"\0" * (limit + 1 - 9)
    put = requests.put(ticket["uploadUrl"], data=body, headers=ticket["headers"], timeout=120)
    assert put.status_code == 200, put.text
    refused = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={})
    assert refused.status_code == 413, refused.text
    assert api("GET", f"/api/v1/media/{ticket['mediaId']}").status_code == 404
    assert staged_keys(ticket["mediaId"]) == [] and objects_under(f"{ORG}/{ticket['mediaId']}/") == []


def test_two_completes_at_once_leave_the_winner_whole():
    data = jpeg(400, 300)
    ticket = start_presigned("twice.jpg", mimeType="image/jpeg")
    assert requests.put(ticket["uploadUrl"], data=data, headers=ticket["headers"], timeout=30).status_code == 200
    result = {}

    def first():
        result["first"] = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={"generateVariants": True})

    with Hold("upload.objects-written", subject="twice.jpg") as hold:
        sender = threading.Thread(target=first)
        sender.start()
        hold.wait(unless=lambda: "first" in result)
        # The precondition: the first complete has written the media's objects, not its row.
        assert len(objects_under(f"{ORG}/{ticket['mediaId']}/")) == 6
        second = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={"generateVariants": True})
        assert second.status_code == 409, second.text
        hold.release()
        sender.join(timeout=120)
    assert result["first"].status_code == 200, result["first"].text
    media = result["first"].json()["media"]
    keys = sorted(key for _, key in objects_under(f"{ORG}/{media['id']}/"))
    assert keys == sorted([media["objectKey"]] + [v["objectKey"] for v in media["variants"]])
    assert served_bytes(media) == (200, data)


def test_a_privacy_change_during_a_sync_crop_waits_for_it():
    media = uploaded(jpeg(600, 400), filename="crop-privacy.jpg", generateVariants=True)
    result = {}

    def crop():
        result["crop"] = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 300, "height": 200,
                                                                 "regenerateVariants": True})

    with Hold("processing.objects-written", subject=media["id"]) as hold:
        sender = threading.Thread(target=crop)
        sender.start()
        hold.wait(unless=lambda: "crop" in result)
        # The crop has written version 2 into the public bucket and not committed yet.
        moved = api("PATCH", f"/api/v1/media/{media['id']}", json={"isPrivate": True})
        assert moved.status_code == 409, moved.text
        hold.release()
        sender.join(timeout=120)
    assert result["crop"].status_code == 200, result["crop"].text
    moved = api("PATCH", f"/api/v1/media/{media['id']}", json={"isPrivate": True})
    assert moved.status_code == 200, moved.text
    private = moved.json()
    assert private["isPrivate"] and private["bucket"] == PRIVATE_BUCKET
    assert private["objectKey"].endswith("/original-v2.jpg"), "the crop's version was moved, not lost"
    # Every object of the media is in the private bucket now; nothing is left public.
    assert {bucket for bucket, _ in objects_under(f"{ORG}/{media['id']}/")} == {PRIVATE_BUCKET}
    public_url = media["url"].rsplit("/", 1)[0] + "/original-v2.jpg"
    assert requests.get(public_url, timeout=30).status_code in (403, 404)


def redis_cli(*arguments):
    return subprocess.run(["redis-cli", "-h", os.environ["REDIS_HOST"], "-p", os.environ["REDIS_PORT"], *arguments],
                          capture_output=True, text=True, timeout=30, check=True).stdout.strip()


def concurrently(requests_to_send):
    """Sends every (method, path, json) at once, so they spread over the pool's threads."""
    answers = [None] * len(requests_to_send)

    def send(index, method, path, body):
        answers[index] = api(method, path, json=body)

    senders = [threading.Thread(target=send, args=(index, *request)) for index, request in enumerate(requests_to_send)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    return answers


def test_a_command_refused_inside_multi_leaves_every_connection_usable():
    """A command Redis refuses while queuing a transaction (-OOM at maxmemory with noeviction,
    once the lock's SET went through) used to leave that thread's connection inside MULTI for
    good: its next lock read `+QUEUED` as "taken", the media stayed locked, and every request on
    that thread failed. Here the refusal is made certain with an ACL (-NOPERM for HSET), which
    lets the lock's SET through exactly as a memory limit crossed between the two would."""
    threads = int(os.environ.get("API_WORKERS", 2)) * int(os.environ.get("API_THREADS", 4))
    targets = [uploaded(jpeg(64, 48), filename=f"multi-{index}.jpg") for index in range(threads * 2)]
    variants = [("POST", "/api/v1/media/variants", {"objectKey": media["objectKey"]}) for media in targets]
    # Redis full (maxmemory reached, noeviction): every enqueue is refused cleanly.
    policy = redis_cli("CONFIG", "GET", "maxmemory-policy").splitlines()[-1]
    redis_cli("CONFIG", "SET", "maxmemory-policy", "noeviction")
    redis_cli("CONFIG", "SET", "maxmemory", "1")
    try:
        full = concurrently(variants)
    finally:
        redis_cli("CONFIG", "SET", "maxmemory", "0")
        redis_cli("CONFIG", "SET", "maxmemory-policy", policy)
    assert [answer.status_code for answer in full] == [503] * len(targets), [answer.text for answer in full]
    redis_cli("ACL", "SETUSER", "default", "-hset")
    try:
        refused = concurrently(variants)
    finally:
        redis_cli("ACL", "SETUSER", "default", "+hset")
    assert [answer.status_code for answer in refused] == [503] * len(targets), [answer.text for answer in refused]
    # Every thread that took part answers again, and the media's locks were released.
    answers = concurrently(variants)
    assert [answer.status_code for answer in answers] == [202] * len(targets), [answer.text for answer in answers]
    for answer in answers:
        job_id = answer.json()["jobId"]
        state = wait_for(lambda: api("GET", f"/api/v1/media/job/{job_id}").json()["state"] in ("completed", "failed")
                         and api("GET", f"/api/v1/media/job/{job_id}").json()["state"], 120, f"job {job_id} to finish")
        assert state == "completed"
