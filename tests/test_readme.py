"""The README's console examples are the output of real runs: `cog --check README.md` passes.

The examples are written by cog from tests/readme_examples.py; when a command's output changes,
this test fails until someone runs `cog -r README.md` and commits the result.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIX = "run `cog -r README.md` (or `python -m cogapp -r README.md`) from the repository root and commit README.md"

pytest.importorskip("cogapp", reason="cogapp is in the [test] extra: pip install -e '.[test]'")


def supported(*flags: str) -> bool:
    """Whether this cogapp knows FLAGS (--diff and --check-fail-msg came after --check, 3.4)."""
    from cogapp.cogapp import CogOptions, CogUsageError

    try:
        CogOptions().parse_args([*flags, "--check", "README.md"])
    except CogUsageError:
        return False
    return True


def test_readme_examples_are_current():
    from readme_examples import requirements

    missing = requirements()
    if missing:
        pytest.skip("regenerating the README examples needs " + "; ".join(missing))
    # A fresh interpreter from the repository root: this checkout's kg, and no KG_DATA_DIR,
    # KG_STORE or KG_ENGINE left by other tests; KG_CACHE_DIR is kept, so a cache built by the
    # session (or the environment's) is reused rather than rebuilt.
    env = {k: v for k, v in os.environ.items() if k not in ("KG_DATA_DIR", "KG_STORE", "KG_ENGINE")}
    extra = ["--diff"] if supported("--diff") else []
    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", *extra, "README.md"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    output = f"{done.stdout[-6000:]}{done.stderr[-4000:]}"
    # cog exits 5 when the check fails; anything else means an example could not be run at all.
    assert done.returncode != 5, (
        f"README.md is stale: its console examples no longer match what the commands print; {FIX}.\n{output}")
    assert done.returncode == 0, (
        f"cog could not run the README examples (exit {done.returncode}); fix the example or "
        f"tests/readme_examples.py, then {FIX}.\n{output}")
