"""Migrations from 0013 on are safe on a 100-million-row numbers table.

On the big tables (numbers, batches) an index is built CONCURRENTLY (in a
migration with ``atomic = False``) so writes go on meanwhile, no column is
altered in place (a table rewrite under an exclusive lock), and the SQL
functions change only additively: a signature is never dropped in the
release that replaces it, so processes still running the old code keep
working.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import tracking.migrations

FIRST_CHECKED = 13
BIG_TABLES = {"trackingnumber", "batch"}
BLOCKING = (
    migrations.AddIndex,
    migrations.RemoveIndex,
    migrations.AddConstraint,
    migrations.AlterField,
    migrations.RenameField,
)


def _checked():
    for info in pkgutil.iter_modules(tracking.migrations.__path__):
        if info.name[:4].isdigit() and int(info.name[:4]) >= FIRST_CHECKED:
            yield importlib.import_module(f"tracking.migrations.{info.name}")


def _database_operations(operations):
    for op in operations:
        if isinstance(op, migrations.SeparateDatabaseAndState):
            yield from _database_operations(op.database_operations)
        else:
            yield op


@pytest.mark.parametrize(
    "module", list(_checked()), ids=lambda m: m.__name__.rsplit(".")[-1]
)
def test_a_new_migration_never_locks_a_big_table_or_drops_a_function(module):
    migration = module.Migration
    for op in _database_operations(migration.operations):
        big = getattr(op, "model_name", "").lower() in BIG_TABLES
        assert not (big and isinstance(op, BLOCKING)), (
            f"{op.describe()}: use AddIndexConcurrently (atomic = False) or a "
            "new column filled in batches"
        )
        if isinstance(op, AddIndexConcurrently):
            assert migration.atomic is False
    source = importlib.util.find_spec(module.__name__).origin
    with open(source) as f:
        assert "DROP FUNCTION" not in f.read().upper()
