"""SPEC §4.7 and §7.2, property-based: any sequence of dispenses (partial, combined, late),
fills closed short, reversals and replays keeps every ledger invariant; the lien balance
equals the charges of the fills still standing, every charge ties to the ledger, nothing
goes out beyond quantity × (1 + refills), and each fill's fees are charged once."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.ledger.invariants import check_ledger
from lienrx.ledger.queries import case_balance
from lienrx.prescribing.models import Prescription
from tests import factories
from tests.dispensing.conftest import verified_batch
from tests.formulary.factories import load_products, prescription

DRUGS = ["gabapentin", "cream", "duloxetine"]  # controlled (V in TN), C-III, not controlled
# (kind, drug, quantity, combine refills, late entry, which earlier dispense); dispenses are
# drawn four times as often as closes, reversals and replays.
OPERATION = st.tuples(st.sampled_from(["dispense"] * 4 + ["close", "reverse", "replay"]),
                      st.sampled_from(DRUGS), st.sampled_from([5, 10, 15, 25, 30, 45, 60, 90]),
                      st.booleans(), st.booleans(), st.integers(min_value=0, max_value=9))
FEE = "12.00"  # every product's dispensing fee in the seed


def fresh_counter():
    firm = factories.law_firm()
    case = factories.case(firm)
    doctor = factories.prescriber()
    load_products("GABA-CAP-300", "KET-CRM-10", "DULO-CAP-30")
    written = clock.today() - timedelta(days=3)  # late entries may go back a day
    rx = {"gabapentin": prescription(case.id, doctor.id, "GABA-CAP-300", quantity=Decimal(90),
                                     days_supply=30, refills_authorized=1, written_on=written),
          "cream": prescription(case.id, doctor.id, "KET-CRM-10", quantity=Decimal(30),
                                days_supply=30, refills_authorized=2, written_on=written),
          "duloxetine": prescription(case.id, doctor.id, "DULO-CAP-30", quantity=Decimal(30),
                                     days_supply=30, refills_authorized=3, written_on=written)}
    batch = verified_batch("KET-CRM-10", 120, factories.user("technician"),
                           factories.user("pharmacist"))
    token = factories.token(factories.user("pharmacist"))
    db.session.commit()
    return case.id, {name: p.id for name, p in rx.items()}, batch, token


def dispense_body(rx_id, which, quantity, combine, late, batch_id):
    body = {"prescription_id": rx_id, "quantity": quantity, "days_supply": 30,
            "override_refill_too_soon": {"reason": "property test"}}
    if which == "cream":
        body["compounding_record_id"] = batch_id
    if combine and which == "duloxetine":  # on a controlled product: 422, tested elsewhere
        body["combine_refills"] = True
    if late:
        body["dispensed_on"] = (clock.today() - timedelta(days=1)).isoformat()
        body["late_entry_reason"] = "entered from the paper log"
    return body


def check_fills_and_fees(client, headers, rx, standing):
    """Per prescription: what stands went out within quantity × (1 + refills); each begun
    fill was started by exactly one standing dispense; a dispense charged the fees exactly
    when it started a fill (so the fees charged = the fill starts); fills tie to the parts."""
    by_rx = defaultdict(list)
    for fill in standing.values():
        by_rx[fill["prescription_id"]].append(fill)
    for name, rx_id in rx.items():
        shown = client.get(f"/api/v1/prescriptions/{rx_id}", headers=headers).json
        fills = by_rx[rx_id]
        total = sum(Decimal(str(f["quantity"])) for f in fills)
        assert Decimal(str(shown["quantity_dispensed"])) == total, name
        assert total + Decimal(str(shown["quantity_forfeited"])) <= (
            Decimal(str(shown["quantity"])) * (1 + shown["refills_authorized"])), name
        per_fill, starts = defaultdict(Decimal), defaultdict(int)
        for fill in fills:
            started = any(p["partial_sequence"] == 1 for p in fill["fill_parts"])
            assert fill["starts_fill"] == started, fill
            assert fill["dispensing_fee"] == (FEE if started else "0.00"), fill
            for part in fill["fill_parts"]:
                per_fill[part["refill_number"]] += Decimal(str(part["quantity"]))
                starts[part["refill_number"]] += part["partial_sequence"] == 1
        assert all(starts[n] == 1 for n in per_fill), (name, dict(starts))
        recorded = {f["refill_number"]: Decimal(str(f["quantity_dispensed"]))
                    for f in shown["fills"] if Decimal(str(f["quantity_dispensed"])) > 0}
        assert recorded == dict(per_fill), name
        assert all(q <= Decimal(str(shown["quantity"])) for q in per_fill.values()), name


def check_charges_tie_to_the_ledger(client, headers, case_id, standing, reversed_ids):
    entries = client.get(f"/api/v1/cases/{case_id}/ledger", headers=headers).json["entries"]
    net = defaultdict(Decimal)
    for entry in entries:
        net[entry["dispense_id"]] += Decimal(entry["amount"])
    for dispense_id, fill in standing.items():
        assert net[dispense_id] == Decimal(fill["charge"]), dispense_id
    for dispense_id in reversed_ids:
        assert net[dispense_id] == 0, dispense_id


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, max_size=14))
def test_random_fills_closes_reversals_and_replays_keep_the_ledger_and_fill_invariants(
        app, operations):
    with app.app_context():
        case_id, rx, batch_id, token = fresh_counter()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    sent = []  # (idempotency key, body) of every dispense request
    standing = {}  # dispense id -> the dispense as the API answered it
    reversed_ids = []
    for n, (kind, which, quantity, combine, late, pick) in enumerate(operations):
        if kind == "dispense":
            body = dispense_body(rx[which], which, quantity, combine, late, batch_id)
            key = f"{case_id}-{n}"
            response = client.post("/api/v1/dispenses", json=body,
                                   headers={**headers, "Idempotency-Key": key})
            assert response.status_code in (201, 409, 422), response.json
            sent.append((key, body))
            if response.status_code == 201:
                standing[response.json["id"]] = response.json
        elif kind == "close":
            response = client.post(f"/api/v1/prescriptions/{rx[which]}/close-fill",
                                   json={"reason": "property test"}, headers=headers)
            assert response.status_code in (200, 409), response.json
        elif kind == "reverse" and standing:
            dispense_id = sorted(standing)[pick % len(standing)]
            response = client.post(f"/api/v1/dispenses/{dispense_id}/reverse",
                                   json={"reason": "property test",
                                         "disposition": "return_to_stock"}, headers=headers)
            assert response.status_code in (200, 409), response.json
            if response.status_code == 200:  # 409: it carries the fees of later partials
                del standing[dispense_id]
                reversed_ids.append(dispense_id)
            else:
                assert response.json["code"] == "invalid_transition"
        elif kind == "replay" and sent:
            key, body = sent[pick % len(sent)]
            response = client.post("/api/v1/dispenses", json=body,
                                   headers={**headers, "Idempotency-Key": key})
            assert response.status_code in (201, 409, 422)
            if response.status_code == 201 and "Idempotent-Replayed" not in response.headers:
                # the first try was refused, so this retry under the same key is new work
                standing[response.json["id"]] = response.json
    with app.app_context():
        checked, problems = check_ledger()
        assert problems == []
        assert case_balance(case_id) == sum(
            int(Decimal(f["charge"]) * 100) for f in standing.values())
        for name, rx_id in rx.items():
            dispensed = db.session.get(Prescription, rx_id).quantity_dispensed
            assert dispensed == sum(Decimal(str(f["quantity"])) for f in standing.values()
                                    if f["prescription_id"] == rx_id), name
    check_fills_and_fees(client, headers, rx, standing)
    check_charges_tie_to_the_ledger(client, headers, case_id, standing, reversed_ids)
