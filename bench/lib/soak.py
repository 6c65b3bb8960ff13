"""Drives the mixed load of the fault suite for N minutes and reports 5xx answers and the RSS
of the service's processes after the first minute and at the end (called by bench/soak)."""
import collections
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "http"))
from test_faults import MixedLoad  # noqa: E402  (the same load the fault suite drives)
from support import stackctl  # noqa: E402


def processes():
    """{label: pid} for the media-api and media-worker masters and their workers."""
    found = {}
    for service, name in (("api", "media-api"), ("worker", "media-worker")):
        master = stackctl("pid", service).stdout.strip()
        found[f"{name} master {master}"] = int(master)
        with open(f"/proc/{master}/task/{master}/children") as children:
            for pid in children.read().split():
                found[f"{name} worker {pid}"] = int(pid)
    return found


def rss_megabytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


minutes = float(sys.argv[1])
load = MixedLoad(threads=4)
time.sleep(60)
after_first_minute = {label: rss_megabytes(pid) for label, pid in processes().items()}
time.sleep(max(0.0, minutes * 60 - 60))
load.stop()
at_end = {label: rss_megabytes(pid) for label, pid in processes().items()}
statuses = collections.Counter(outcome[2] for outcome in load.outcomes)
server_errors = sum(count for status, count in statuses.items() if isinstance(status, int) and status >= 500)
print(f"soak: {minutes:g} min, {len(load.outcomes)} requests, {server_errors} answered 5xx, statuses {dict(statuses)}")
print(f"{'process':32} {'RSS after 1 min':>16} {'RSS at end':>11} {'change':>8}")
worst = 0.0
for label in sorted(after_first_minute):
    if label not in at_end:
        print(f"{label:32} {after_first_minute[label]:14.1f} MB   (replaced during the soak)")
        continue
    change = (at_end[label] - after_first_minute[label]) / after_first_minute[label] * 100
    worst = max(worst, change)
    print(f"{label:32} {after_first_minute[label]:13.1f} MB {at_end[label]:8.1f} MB {change:+7.1f}%")
print(f"soak summary: {server_errors} 5xx, largest RSS growth after the first minute {worst:+.1f}%")
sys.exit(0 if server_errors == 0 and worst <= 15 else 1)
