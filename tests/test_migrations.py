"""The migrations build exactly the schema the models describe, and downgrade cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from lienrx.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from the migrations: {diff}"


def test_one_head_and_date_prefixed_files(ctx):
    config = ctx.extensions["migrate"].migrate.get_config(ctx.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        filename = revision.path.rsplit("/", 1)[-1]
        assert filename[:8].isdigit(), filename


def test_downgrade_to_base_and_back(ctx):
    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision="base")
    upgrade(directory=directory)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, db.metadata) == []
