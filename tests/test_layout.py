"""The package layout a maintainer relies on."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import tracking
from tracking import services


def test_services_expose_only_their_listed_interface():
    modules = {m.name for m in pkgutil.iter_modules(services.__path__)}
    public = {name for name in dir(services) if not name.startswith("_")}
    assert public - modules == set(services.__all__)
    assert not {"connection", "time", "Json", "transaction"} & public


def _app_modules():
    """The app's modules outside its pure domain and its migrations."""
    root = Path(tracking.__file__).parent
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if parts[0] not in ("domain", "migrations"):
            yield path, ast.parse(path.read_text())


def test_user_facing_texts_live_in_the_message_catalogue():
    # A sentence at module level outside tracking/messages.py is a text
    # that belongs in the catalogue (health's status strings excepted).
    stray = []
    for path, tree in _app_modules():
        if path.name in ("messages.py", "health.py"):
            continue
        for node in tree.body:
            if not isinstance(node, ast.Assign):
                continue
            value = node.value
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if (
                any(n.isupper() and not n.startswith("_") for n in names)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and " " in value.value
            ):
                stray.append(f"{path.name}: {names[0]}")
    assert stray == []


def test_every_service_error_is_defined_in_tracking_exceptions():
    defined_elsewhere = [
        f"{path.name}: {node.name}"
        for path, tree in _app_modules()
        if path.name != "exceptions.py"
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any("Error" in ast.unparse(base) for base in node.bases)
    ]
    assert defined_elsewhere == []


LAYERS = {"models": 0, "selectors": 1, "services": 2}


def _layer(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] == "tracking" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return None


def test_models_selectors_and_services_import_one_way():
    # models <- selectors <- services, also inside functions: a lower layer
    # that imports a higher one closes a cycle.
    upward = []
    for path, tree in _app_modules():
        module = ".".join(path.relative_to(Path(tracking.__file__).parents[1]).parts)
        source = _layer(module.removesuffix(".py").removesuffix(".__init__"))
        if source is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "tracking":
                    names = [f"tracking.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                target = _layer(name)
                if target and LAYERS[target] > LAYERS[source]:
                    upward.append(f"{path.name}:{node.lineno} imports {name}")
    assert upward == []
