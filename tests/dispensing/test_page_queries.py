"""The pages' read models live in the domains: the ones that carry PHI audit themselves."""

from __future__ import annotations

import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.core import clock
from lienrx.dispensing import queries
from lienrx.extensions import db
from lienrx.workqueue.queries import Filters, work_queue
from tests import factories
from tests.formulary.factories import load_products, prescription


def events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_the_firm_case_list_is_the_actors_firm_and_audits_itself(ctx, world):
    other = factories.case(factories.law_firm(), firm_file_number="ELSEWHERE")
    attorney = db.session.get(factories.User, world.attorney_id)
    listing = queries.firm_case_list(attorney, queries.ListFilters(q="  "))
    assert [row.id for row in listing.rows] == [world.case_id] != [other.id]
    db.session.commit()  # audit events are sealed at the commit
    (event,) = events("portal.cases_listed")
    assert event.actor_user_id == attorney.id and event.entity_id == str(world.firm_id)
    assert event.details == {"count": 1, "page": 1, "searched": False}


def test_the_work_queue_lists_fillable_prescriptions_and_audits_the_read(ctx, world):
    load_products("GABA-CAP-300")
    rx = prescription(world.case_id, world.prescriber_id, "GABA-CAP-300")
    pharmacist = factories.user("pharmacist")
    found = work_queue(pharmacist, Filters(stage="ready"))
    assert [item.rx for item in found.items] == [f"RX{rx.id:07d}"] and found.items.total == 1
    assert found.items[0].due == clock.today()
    assert found.items[0].patient.startswith("Jordan Rivera")
    db.session.commit()
    (event,) = events("work_queue.read")
    assert event.actor_user_id == pharmacist.id
    assert event.details == {"stage": "ready", "shown": 1, "page": 1, "searched": False}
