"""The package layout a maintainer relies on."""

from __future__ import annotations

import pkgutil

from tracking import services


def test_services_expose_only_their_listed_interface():
    modules = {m.name for m in pkgutil.iter_modules(services.__path__)}
    public = {name for name in dir(services) if not name.startswith("_")}
    assert public - modules == set(services.__all__)
    assert not {"connection", "time", "Json", "transaction"} & public
