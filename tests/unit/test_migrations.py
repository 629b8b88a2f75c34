"""Models and migrations agree, and migrations stand alone (no application imports)."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from onevisit.kernel.migrate import MIGRATIONS, alembic_config, current_revision, upgrade
from onevisit.kernel.platform import Platform
from onevisit.tables import metadata

VERSIONS = MIGRATIONS / "versions"


def test_migrating_a_fresh_database_matches_the_models(platform: Platform) -> None:
    engine = platform.db.engine  # freshly migrated by the fixture (a clone of a migrated template on PostgreSQL)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations disagree; generate a migration: {diff}"


def test_the_database_is_at_the_single_head(platform: Platform) -> None:
    heads = ScriptDirectory.from_config(alembic_config(platform.settings.database_url)).get_heads()
    assert len(heads) == 1, f"migration history has branched: {heads}"
    assert current_revision(platform.db.engine) == heads[0]


def test_upgrade_from_empty_creates_every_table(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    upgrade(engine)  # running it again is a no-op, not an error
    engine.dispose()


def test_no_migration_imports_application_code() -> None:
    files = sorted(VERSIONS.glob("*.py"))
    assert files, f"no migrations found under {VERSIONS}"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] != "onevisit", f"{path.name} imports {module}"
