"""The domain layer stays importable without Django (STYLE.md section 7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "tracking" / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_domain_package_has_modules() -> None:
    # Guards against the walk below silently finding nothing.
    assert DOMAIN / "__init__.py" in MODULES
    assert len(MODULES) > 1


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_it_does_not_import_django(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [
        name
        for name in _imported_modules(tree)
        if name == "django" or name.startswith("django.")
    ]
    assert offending == []


def test_the_check_catches_django_imports() -> None:
    source = "import django.db\nfrom django.conf import settings\nimport os\n"
    assert _imported_modules(ast.parse(source)) == ["django.db", "django.conf", "os"]
