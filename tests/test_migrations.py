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


def test_existing_reduction_requests_get_their_filing_and_answer_as_steps(ctx, world):
    """The steps migration keeps the negotiation of requests made before it: the filing is
    step 1 and billing's answer, if any, step 2 (an accept with the cents it posted)."""
    from decimal import Decimal

    import sqlalchemy as sa

    from lienrx.auth.models import User
    from lienrx.reduction_requests import services
    from lienrx.reduction_requests.models import ReductionRequestStep
    from tests import factories

    factories.ledger_charge(world.case_id, 100_000)
    attorney, clerk = db.session.get(User, world.attorney_id), factories.user("billing")
    made = [services.file_request(attorney, world.case_id, method=method, value=value,
                                  reason="limits")
            for method, value in (("amount", 10_000), ("percent", Decimal(10)),
                                  ("amount", 5_000),
                                  ("amount", 2_000))]
    services.answer_request(clerk, made[1].id, decision="counter", value=Decimal(8),
                            note="8 %")
    services.answer_request(clerk, made[2].id, decision="accept")
    services.answer_request(clerk, made[3].id, decision="decline")
    db.session.commit()
    ids = [r.id for r in made]

    def kept():
        db.session.remove()
        rows = db.session.execute(sa.select(
            ReductionRequestStep.request_id, ReductionRequestStep.number,
            ReductionRequestStep.side, ReductionRequestStep.action,
            ReductionRequestStep.amount_cents, ReductionRequestStep.percent,
            ReductionRequestStep.note, ReductionRequestStep.user_id)
            .order_by(ReductionRequestStep.request_id, ReductionRequestStep.number)).all()
        return [tuple(row) for row in rows]

    before = kept()
    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision="fd112fe85b2d")
    upgrade(directory=directory)
    assert kept() == before
    assert [(r[0], r[1], r[3], r[4]) for r in before] == [
        (ids[0], 1, "request", 10_000), (ids[1], 1, "request", None),
        (ids[1], 2, "counter", None), (ids[2], 1, "request", 5_000),
        (ids[2], 2, "accept", 5_000), (ids[3], 1, "request", 2_000),
        (ids[3], 2, "decline", None)]
