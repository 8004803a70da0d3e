"""SPEC §4.7, property-based: any sequence of dispenses, reversals and replays keeps every
ledger invariant, and the lien balance equals the charges of the fills still standing."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.ledger.queries import case_balance
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.dispensing.conftest import verified_batch
from tests.formulary.factories import load_products, prescription

DISPENSE = st.tuples(st.just("dispense"), st.sampled_from(["gabapentin", "cream"]),
                     st.integers(min_value=1, max_value=60))
REVERSE = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=9))
REPLAY = st.tuples(st.just("replay"), st.integers(min_value=0, max_value=9))


def fresh_counter():
    firm = factories.law_firm()
    case = factories.case(firm)
    doctor = factories.prescriber()
    load_products("GABA-CAP-300", "KET-CRM-10")
    gabapentin = prescription(case.id, doctor.id, "GABA-CAP-300", quantity=Decimal(90),
                              days_supply=30, refills_authorized=1)
    cream = prescription(case.id, doctor.id, "KET-CRM-10", quantity=Decimal(30),
                         days_supply=30, refills_authorized=2)
    batch = verified_batch("KET-CRM-10", 120, factories.user("technician"),
                           factories.user("pharmacist"))
    token = factories.token(factories.user("pharmacist"))
    db.session.commit()
    return case.id, {"gabapentin": gabapentin.id, "cream": cream.id}, batch, token


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(st.one_of(DISPENSE, REVERSE, REPLAY), max_size=10))
def test_random_dispenses_reversals_and_replays_keep_the_ledger_invariants(app, operations):
    with app.app_context():
        case_id, rx, batch_id, token = fresh_counter()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    sent = []  # (idempotency key, body) of every dispense request
    standing = {}  # dispense id -> (charge in cents, prescription id, quantity)
    for n, operation in enumerate(operations):
        if operation[0] == "dispense":
            _, which, quantity = operation
            body = {"prescription_id": rx[which], "quantity": quantity, "days_supply": 30,
                    "override_refill_too_soon": {"reason": "property test"}}
            if which == "cream":
                body["compounding_record_id"] = batch_id
            key = f"{case_id}-{n}"
            response = client.post("/api/v1/dispenses", json=body,
                                   headers={**headers, "Idempotency-Key": key})
            assert response.status_code in (201, 409, 422), response.json
            sent.append((key, body))
            if response.status_code == 201:
                charge = int(Decimal(response.json["charge"]) * 100)
                standing[response.json["id"]] = (charge, rx[which], quantity)
        elif operation[0] == "reverse" and standing:
            dispense_id = sorted(standing)[operation[1] % len(standing)]
            response = client.post(f"/api/v1/dispenses/{dispense_id}/reverse",
                                   json={"reason": "property test"}, headers=headers)
            assert response.status_code == 200
            del standing[dispense_id]
        elif operation[0] == "replay" and sent:
            key, body = sent[operation[1] % len(sent)]
            response = client.post("/api/v1/dispenses", json=body,
                                   headers={**headers, "Idempotency-Key": key})
            assert response.status_code in (201, 409, 422)
            if response.status_code == 201 and "Idempotent-Replayed" not in response.headers:
                # the first try was refused, so this retry under the same key is new work
                charge = int(Decimal(response.json["charge"]) * 100)
                standing[response.json["id"]] = (charge, body["prescription_id"],
                                                 body["quantity"])
    with app.app_context():
        checked, problems = check_ledger()
        assert problems == []
        assert case_balance(case_id) == sum(c for c, _, _ in standing.values())
        for name, rx_id in rx.items():
            dispensed = db.session.get(Prescription, rx_id).quantity_dispensed
            assert dispensed == sum(q for _, r, q in standing.values() if r == rx_id), name
