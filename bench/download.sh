#!/usr/bin/env bash
# Download throughput through nginx + FastCGI next to a direct GET of the same object from
# the S3 server (a presigned URL), in the same run, alternating, median of N runs.
#
#   MEDIA_BASE_URL=https://localhost:8443 MEDIA_DEMO_KEY=mk_... [MEDIA_CA_CERT=ca.pem] \
#     bench/download.sh [--size-mb 100] [--runs 5] [--label relay]
#
# The API's mode (streamed by the service, or DOWNLOAD_ACCEL_REDIRECT=true) is whatever the
# running stack uses; --label names it in the output. Needs curl and python3.
set -euo pipefail

size_mb=100 runs=5 label=api
while [[ $# -gt 0 ]]; do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
: "${MEDIA_BASE_URL:?set MEDIA_BASE_URL}" "${MEDIA_DEMO_KEY:?set MEDIA_DEMO_KEY}"
org=${MEDIA_DEMO_ORG:-demo}
curl_tls=()
[[ -n ${MEDIA_CA_CERT:-} ]] && curl_tls=(--cacert "$MEDIA_CA_CERT")
auth=(-H "Authorization: Bearer $MEDIA_DEMO_KEY")

work=$(mktemp -d)
media_id=""
cleanup() {
  [[ -n $media_id ]] && curl -s "${curl_tls[@]}" "${auth[@]}" -X DELETE "$MEDIA_BASE_URL/api/v1/media/?id=$media_id" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A PDF header makes random bytes an accepted upload; decimal MB stay under a 100 MiB limit.
{ printf '%%PDF-1.4\n'; head -c $((size_mb * 1000000 - 9)) /dev/urandom; } > "$work/object.pdf"
curl -sf "${curl_tls[@]}" "${auth[@]}" -F "file=@$work/object.pdf;filename=bench.pdf" -F "orgSlug=$org" \
  "$MEDIA_BASE_URL/api/v1/media/upload" > "$work/upload.json"
read -r media_id bucket key < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["media"]; print(m["id"], m["bucket"], m["objectKey"])' "$work/upload.json")
direct_url=$(curl -sf "${curl_tls[@]}" "${auth[@]}" "$MEDIA_BASE_URL/api/v1/media/presign?objectKey=$key&expiry=3600" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
api_url="$MEDIA_BASE_URL/api/v1/media/download/$bucket/$key"

# Bytes per second of one GET; fails unless every byte arrived.
speed() {
  local out
  out=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$@")
  read -r code bytes bps <<< "$out"
  [[ $code == 200 && $bytes == $((size_mb * 1000000)) ]] || { echo "download failed: $out" >&2; exit 1; }
  echo "$bps"
}

api_speeds=() direct_speeds=()
speed "${curl_tls[@]}" "${auth[@]}" "$api_url" > /dev/null   # warm-up (connections, caches)
for ((i = 0; i < runs; i++)); do
  api_speeds+=("$(speed "${curl_tls[@]}" "${auth[@]}" "$api_url")")
  direct_speeds+=("$(speed "$direct_url")")
done

python3 - "$size_mb" "$runs" "$label" "${api_speeds[*]}" "${direct_speeds[*]}" <<'PY'
import statistics, sys
size, runs, label, api, direct = sys.argv[1:]
api = [float(x) / 1e6 for x in api.split()]
direct = [float(x) / 1e6 for x in direct.split()]
print(f"{size} MB object, median of {runs} runs (MB/s; min-max)")
print(f"  via nginx + media-api ({label}): {statistics.median(api):8.1f}   ({min(api):.1f}-{max(api):.1f})")
print(f"  direct from S3 (presigned):  {statistics.median(direct):8.1f}   ({min(direct):.1f}-{max(direct):.1f})")
ratio = statistics.median(api) / statistics.median(direct)
print(f"  ratio: {ratio:.2f}   (target >= 0.80: {'met' if ratio >= 0.8 else 'missed'})")
PY
