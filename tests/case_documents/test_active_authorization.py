"""The HIPAA authorization in force for a firm (the query the PHI gate will ask)."""

from datetime import UTC, datetime, timedelta

from lienrx.case_documents import services
from lienrx.case_documents.queries import active_authorization
from lienrx.core import clock
from tests import factories
from tests.case_documents.factories import PDF, authorization

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 10:00 at the pharmacy


def test_an_authorization_naming_the_firm_is_in_force_until_its_last_day(ctx, world):
    clock.freeze(MONDAY)
    today = clock.today()
    kept = authorization(world.case_id, world.firm_id, expires_on=today + timedelta(days=30))
    assert active_authorization(world.case_id, world.firm_id, today) is kept
    assert active_authorization(world.case_id, world.firm_id, today + timedelta(days=30)) is kept
    assert active_authorization(world.case_id, world.firm_id, today + timedelta(days=31)) is None


def test_an_authorization_naming_another_firm_opens_nothing_for_this_one(ctx, world):
    other = factories.law_firm()
    authorization(world.case_id, other.id)
    assert active_authorization(world.case_id, world.firm_id, clock.today()) is None
    assert active_authorization(world.case_id, other.id, clock.today()) is not None


def test_a_revoked_authorization_is_not_in_force_from_the_day_of_revocation(ctx, world):
    clock.freeze(MONDAY)
    kept = authorization(world.case_id, world.firm_id)
    clock.freeze(MONDAY + timedelta(days=3))
    services.revoke(factories.user("billing"), kept.id, "Patient revoked in writing")
    revoked_on = clock.today()
    assert active_authorization(world.case_id, world.firm_id, revoked_on) is None
    # it was in force before, and a disclosure then stays authorized
    assert active_authorization(world.case_id, world.firm_id,
                                revoked_on - timedelta(days=1)) is kept


def test_an_authorization_is_in_force_only_from_the_day_it_is_on_file(ctx, world):
    clock.freeze(MONDAY)
    authorization(world.case_id, world.firm_id)
    assert active_authorization(world.case_id, world.firm_id,
                                clock.today() - timedelta(days=1)) is None


def test_a_new_authorization_after_a_revocation_is_the_one_in_force(ctx, world):
    first = authorization(world.case_id, world.firm_id)
    services.revoke(factories.user("pharmacist"), first.id, "Revoked")
    second = authorization(world.case_id, world.firm_id, content=PDF + b"2")
    assert active_authorization(world.case_id, world.firm_id, clock.today()) is second


def test_other_kinds_of_document_never_authorize(ctx, world):
    services.upload(None, world.case_id, file=PDF, kind="lien_agreement",
                    law_firm_id=world.firm_id)
    assert active_authorization(world.case_id, world.firm_id, clock.today()) is None
