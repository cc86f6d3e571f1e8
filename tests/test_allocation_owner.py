"""``tracking.allocation`` is the one owner of the serial space.

No other module reads or moves a sequence, names the allocator's lock key
or installs its SQL; the model does no allocator I/O (and so imports no
services).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The package tracking.allocation: its modules and the SQL it installs.
OWNER = {
    "tracking/allocation/__init__.py",
    "tracking/allocation/mapping.py",
    "tracking/allocation/periods.py",
    "tracking/allocation/allocation.sql",
}
# A migration drops the allocator's first signature, which no later
# allocation.sql has.
HISTORY = {
    "tracking/migrations/0006_allocator_reads_range.py",
    # The chaos run attacks the allocator from outside the application.
    "scripts/chaos/faults.py",
}
SERIAL_SPACE = re.compile(
    r"tracking_series_.{0,24}_seq|29810|setval\(|last_value|tracking_allocate\(",
)


def _sources() -> list[Path]:
    paths = [
        *ROOT.glob("tracking/**/*.py"),
        *ROOT.glob("tracking/**/*.sql"),
        *ROOT.glob("bench/**/*.py"),
        *ROOT.glob("scripts/**/*.py"),
    ]
    return [p for p in paths if str(p.relative_to(ROOT)) not in OWNER | HISTORY]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_allocation_module_touches_sequences_and_lock_keys(path):
    text = path.read_text()
    found = SERIAL_SPACE.findall(text)
    if path.name == "run.py" and path.parent.name == "bench":
        # The benchmark times the SQL function itself, by its public name.
        found = [f for f in found if f != "tracking_allocate("]
    assert not found, f"{path.relative_to(ROOT)} touches the serial space: {found}"


def test_the_series_model_does_no_allocator_io_and_imports_no_services():
    imported = {
        node.module
        for path in (ROOT / "tracking/models").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.startswith("tracking.services")}
    assert "tracking.allocation" not in imported
