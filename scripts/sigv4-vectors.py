#!/usr/bin/env python3
"""Writes Tests/S3Tests/Vectors/botocore.json: SigV4 known answers computed by botocore.

The Swift signer is tested byte for byte against these, so a change in our encoding or
canonicalisation shows up as a failing unit test rather than a 403 in production.
The clock is frozen (botocore.auth.get_current_datetime is patched) so the output is stable:
re-running this script must not change the committed file.

Usage: python3 scripts/sigv4-vectors.py [output-path]
"""
import datetime
import hashlib
import json
import os
import sys

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode

FROZEN = datetime.datetime(2026, 1, 2, 3, 4, 5)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Shaped like an STS token: '/', '+' and '=' must be percent-encoded in a query.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/token+with=padding//AQ=="
REGION = "us-east-1"
LOCAL_ENDPOINT = "http://127.0.0.1:9000"
AWS_ENDPOINT = "https://s3.us-east-1.amazonaws.com"
BUCKET = "media-test"

KEYS = [
    "photo.jpg",
    "acme/0193a1f2/original.jpg",
    "folder/my photo (1).jpg",
    "a+b=c&d.txt",
    "100%.png",
    "ünïcödé/日本語 ファイル.jpg",
    "a//b///c.txt",
    "tilde~_-.name",
    "semi;colon,comma!'*@$:.txt",
    "emoji 📷.png",
]

botocore.auth.get_current_datetime = lambda *args, **kwargs: FROZEN


def credentials(with_token):
    return Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN if with_token else None)


def object_url(endpoint, path_style, bucket, key):
    """The request URL the way botocore's serializer builds it (key encoded with safe='/~')."""
    scheme, rest = endpoint.split("://", 1)
    encoded_key = percent_encode(key, safe="/~")
    if path_style:
        return f"{scheme}://{rest}/{bucket}/{encoded_key}"
    return f"{scheme}://{bucket}.{rest}/{encoded_key}"


def presigned(method, endpoint, path_style, key, expires, content_type, with_token):
    request = AWSRequest(method=method, url=object_url(endpoint, path_style, BUCKET, key))
    if content_type is not None:
        request.headers["Content-Type"] = content_type
    botocore.auth.S3SigV4QueryAuth(credentials(with_token), "s3", REGION, expires=expires).add_auth(request)
    return {
        "method": method,
        "endpoint": endpoint,
        "pathStyle": path_style,
        "bucket": BUCKET,
        "key": key,
        "expires": expires,
        "contentType": content_type,
        "sessionToken": with_token,
        "url": request.url,
    }


def header_signed(method, endpoint, path_style, key, headers, body, with_token, unsigned):
    request = AWSRequest(method=method, url=object_url(endpoint, path_style, BUCKET, key),
                         headers=dict(headers), data=body)
    if unsigned:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    botocore.auth.S3SigV4Auth(credentials(with_token), "s3", REGION).add_auth(request)
    return {
        "method": method,
        "endpoint": endpoint,
        "pathStyle": path_style,
        "bucket": BUCKET,
        "key": key,
        "headers": headers,
        "body": body.decode("utf-8"),
        "bodySHA256": hashlib.sha256(body).hexdigest(),
        "unsignedPayload": unsigned,
        "sessionToken": with_token,
        "url": request.url,
        "expected": {
            "x-amz-date": request.headers["X-Amz-Date"],
            "x-amz-content-sha256": request.headers["X-Amz-Content-SHA256"],
            "x-amz-security-token": request.headers.get("X-Amz-Security-Token"),
            "authorization": request.headers["Authorization"],
        },
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "Tests", "S3Tests", "Vectors", "botocore.json")
    out_path = sys.argv[1] if len(sys.argv) > 1 else default

    presigned_vectors = []
    for key in KEYS:
        for with_token in (False, True):
            presigned_vectors.append(presigned("GET", LOCAL_ENDPOINT, True, key, 3600, None, with_token))
            presigned_vectors.append(presigned("PUT", LOCAL_ENDPOINT, True, key, 900, "image/jpeg", with_token))
    # Virtual-hosted addressing against AWS's regional endpoint, and the expiry bounds.
    for key in ("photo.jpg", "folder/my photo (1).jpg", "ünïcödé/日本語 ファイル.jpg"):
        presigned_vectors.append(presigned("GET", AWS_ENDPOINT, False, key, 86400, None, False))
        presigned_vectors.append(presigned("PUT", AWS_ENDPOINT, False, key, 3600, "image/png", True))
    presigned_vectors.append(presigned("GET", LOCAL_ENDPOINT, True, "photo.jpg", 1, None, False))
    presigned_vectors.append(presigned("GET", LOCAL_ENDPOINT, True, "photo.jpg", 604800, None, False))
    presigned_vectors.append(presigned("PUT", LOCAL_ENDPOINT, True, "photo.jpg", 60,
                                       "text/plain; charset=utf-8", False))

    body = b"Hello, S3! \xc3\xbc\n"
    header_vectors = []
    for key in KEYS:
        for with_token in (False, True):
            header_vectors.append(header_signed(
                "PUT", LOCAL_ENDPOINT, True, key,
                {"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=31536000, immutable",
                 "x-amz-meta-original-name": "photo  1.jpg"},
                body, with_token, False))
    header_vectors.append(header_signed("PUT", LOCAL_ENDPOINT, True, "streamed.bin",
                                        {"Content-Type": "application/octet-stream"}, body, False, True))
    header_vectors.append(header_signed("GET", LOCAL_ENDPOINT, True, "folder/my photo (1).jpg",
                                        {"Range": "bytes=0-9", "If-None-Match": "\"abc\""}, b"", False, False))
    header_vectors.append(header_signed("DELETE", LOCAL_ENDPOINT, True, "a+b=c&d.txt", {}, b"", True, False))
    for key in ("photo.jpg", "ünïcödé/日本語 ファイル.jpg"):
        header_vectors.append(header_signed("PUT", AWS_ENDPOINT, False, key, {"Content-Type": "image/png"},
                                            body, False, False))
        header_vectors.append(header_signed("GET", AWS_ENDPOINT, False, key, {}, b"", True, False))

    document = {
        "generator": f"scripts/sigv4-vectors.py with botocore {botocore.__version__}",
        "clock": FROZEN.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accessKeyId": ACCESS_KEY,
        "secretAccessKey": SECRET_KEY,
        "sessionToken": SESSION_TOKEN,
        "region": REGION,
        "presigned": presigned_vectors,
        "headerSigned": header_vectors,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(presigned_vectors)} presigned and {len(header_vectors)} header-signed vectors to {out_path}")


if __name__ == "__main__":
    main()
