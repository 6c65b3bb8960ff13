#!/usr/bin/env bash
# Times the variant job on a photo with the Swift pipeline and with Pillow (by hand, not CI).
# Usage: bench/imaging-quick.sh PHOTO.jpg [webp-effort] [runs]
# A 13 MP test photo: cd /tmp && apt-get download lomiri-wallpapers-16.04 &&
#   dpkg -x lomiri-wallpapers-16.04*.deb /tmp/wp  → /tmp/wp/usr/share/backgrounds/Dragonfly_by_Bolly.jpg
set -euo pipefail
cd "$(dirname "$0")/.."
photo=$(realpath "${1:?usage: $0 PHOTO.jpg [webp-effort] [runs]}")
effort=${2:-4}
runs=${3:-5}
swift build -c release --product imaging-bench >/dev/null
MALLOC_ARENA_MAX=2 .build/release/imaging-bench "$photo" "$effort" "$runs"
if python3 -c 'import PIL' 2>/dev/null; then
    python3 bench/pillow-variants.py "$photo" "$effort" "$runs"
else
    echo "pillow: not installed (pip install Pillow) — skipped"
fi
