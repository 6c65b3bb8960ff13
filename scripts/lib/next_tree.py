#!/usr/bin/env python3
"""The next release of this tree, for the upgrade tests (scripts/test-systemd, scripts/test-cluster):
a copy of the tracked files with one more expand-only migration at the end of Migrations.all.

  next_tree.py DEST VERSION NAME STATEMENT...

Only files whose content differs are written, so a copy kept between runs (with its own build
folder) is rebuilt incrementally.
"""
import os
import subprocess
import sys

MIGRATIONS = "Sources/MediaInfra/Database/Migrations.swift"
# The list's closing bracket is the one right before the Migrator.
LIST_END = "\n    ]\n}\n\npublic struct Migrator"


def swift_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_migration(source, version, name, statements):
    assert source.count(LIST_END) == 1, "the end of Migrations.all moved: update scripts/lib/next_tree.py"
    lines = "".join(f"            {swift_string(s)},\n" for s in statements)
    extra = f"\n        Migration(version: {version}, name: {swift_string(name)}, statements: [\n{lines}        ]),"
    return source.replace(LIST_END, extra + LIST_END)


def main(dest, version, name, statements):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo, check=True,
                           capture_output=True).stdout.decode().split("\0")
    wanted = set()
    for path in filter(None, files):
        source = os.path.join(repo, path)
        if not os.path.isfile(source):
            continue
        with open(source, "rb") as f:
            data = f.read()
        if path == MIGRATIONS:
            data = with_migration(data.decode(), int(version), name, statements).encode()
        target = os.path.join(dest, path)
        wanted.add(target)
        try:
            with open(target, "rb") as f:
                if f.read() == data:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        os.chmod(target, os.stat(source).st_mode & 0o777)
    # Files gone from the tree leave the copy too, in the tree's own folders (build folders stay).
    for top in {path.split("/", 1)[0] for path in files if "/" in path}:
        for root, _, names in os.walk(os.path.join(dest, top)):
            for file in names:
                if os.path.join(root, file) not in wanted:
                    os.remove(os.path.join(root, file))


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
