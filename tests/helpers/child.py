"""Python child processes of a test, run at the repository root."""

from __future__ import annotations

import subprocess
import sys

from stack.processes import ROOT


def run_python(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with ``args`` (``"-c", code`` or ``"manage.py",
    ...``) and wait for it; its output is captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
