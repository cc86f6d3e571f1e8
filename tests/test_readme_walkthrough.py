"""The README's API examples, run as written against `make run`'s server.

Every ```sh block of README.md that calls curl is taken from the file itself
and run by bash in the README's order, with the token `make run` printed and
the test server's port, so the README and the product cannot drift apart.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from stack.processes import ROOT
from tests.helpers.embedded import embedded_server

# A curl that also reports "<status> <method> <url>" on stderr.
CURL_REPORTING = """
curl() {
    command curl -sS -w '%{stderr}%{http_code} %{method} %{url_effective}\\n' "$@"
}
"""


def readme_curl_blocks() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [block for block in blocks if re.search(r"^\s*curl ", block, re.M)]


@pytest.mark.stack
def test_readme_curl_blocks_run_in_order(tmp_path):
    blocks = readme_curl_blocks()
    assert len(blocks) >= 3, "the README's API walkthrough is missing"
    script = "\n".join(blocks)
    assert "<key>" in script
    assert "127.0.0.1:8000" in script
    with embedded_server(tmp_path / "db.sqlite3") as server:
        script = script.replace("<key>", server.token).replace(
            "http://127.0.0.1:8000", server.base
        )
        done = subprocess.run(
            ["bash", "-c", f"set -e\n{CURL_REPORTING}\n{script}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
    calls = [
        line.split(" ", 2)
        for line in done.stderr.splitlines()
        if re.match(r"\d{3} [A-Z]+ http", line)
    ]
    failed = [call for call in calls if not call[0].startswith("2")]
    assert done.returncode == 0, done.stdout + done.stderr
    assert not failed, done.stdout + done.stderr
    # Every curl line of the README was run (polling loops run theirs again).
    written = sum(len(re.findall(r"^\s*(?:until )?curl ", b, re.M)) for b in blocks)
    assert len(calls) >= written, done.stderr
    lot = (tmp_path / "lot7.csv").read_text().splitlines()
    assert len(lot) - 1 == int(re.search(r'"quantity": (\d+)', script).group(1))
