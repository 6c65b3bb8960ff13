"""Installing a test's own tools when a machine lacks them: PyPI packages with pip (they are
also in requirements.txt) and Debian packages with apt-get. Loud on failure, never a skip."""
import importlib
import os
import shutil
import subprocess
import sys


def require_module(module, requirement):
    """Imports `module`, first installing `requirement` from PyPI if it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True, timeout=600)
        importlib.invalidate_caches()
        return importlib.import_module(module)


def require_commands(commands, packages):
    """Makes sure every path in `commands` exists, apt-get installing `packages` if not."""
    if all(os.path.exists(command) or shutil.which(command) for command in commands):
        return
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600, env=environment)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, timeout=1200, env=environment)
    missing = [command for command in commands if not (os.path.exists(command) or shutil.which(command))]
    assert not missing, f"apt-get install {' '.join(packages)} did not provide {missing}"
