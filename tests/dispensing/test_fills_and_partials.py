"""SPEC §7.2: fills, partial fills, refills and fees; closing a fill short; refill timing
across the patient; Schedule II; the memo's override marks; every refusal on the page."""

from __future__ import annotations

import zlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lienrx.core import clock
from lienrx.core.errors import CONFLICT_TITLES
from lienrx.extensions import db
from lienrx.formulary import services as formulary
from lienrx.prescribing.models import Prescription
from lienrx.seeds.formulary import load_formulary, seed_data
from lienrx.staff.dispensing import REFUSAL_HINTS
from tests import factories
from tests.dispensing.conftest import cream_fill, pending_batch
from tests.formulary.factories import INDICATION, load_products, prescription, receive_ndc_lot
from tests.staff.conftest import staff, text  # noqa: F401

RETURNED = {"disposition": "return_to_stock"}  # a controlled fill names its disposition


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


def dispense(client, body, status=201):
    response = client.post("/api/v1/dispenses", json=body)
    assert response.status_code == status, response.json
    return response.json


def rx_of(client, rx_id):
    return client.get(f"/api/v1/prescriptions/{rx_id}").json


def early(**overrides):
    """A body part that lets a new fill start on the same day (refill timing overridden)."""
    return {"override_refill_too_soon": {"reason": "test: next fill today"}, **overrides}


DULOXETINE_30_NDC = "46708-279-90"  # one of the seeded duloxetine 30 mg package NDCs


def commercial(code, *, route="oral", ingredient=None, schedule=None, price=True, ndc=True):
    """A commercial product with one NDC (unless ``ndc`` is false) and (unless ``price`` is
    false) a price list."""
    product, _ = formulary.upsert_product(
        None, code=code, name=f"{code} tablet", kind="commercial", dosage_form="tablet",
        route=route, strength="10 mg", strength_mg_per_unit=10, unit="each",
        dea_schedule=schedule, hazardous=False, dur_classes=[], active_ingredient=ingredient,
        ndc=f"00093-{zlib.crc32(code.encode()) % 9000 + 1000:04d}-01" if ndc else None)
    if price:
        formulary.set_price(None, product, effective_from=clock.today() - timedelta(days=30),
                            unit_price_cents=10, dispensing_fee_cents=1200)
    return product


def with_ingredient(code, ingredient):
    """Load a seeded product with an ``active_ingredient`` key, as the seed loader reads it."""
    [item] = [p for p in seed_data()["products"] if p["code"] == code]
    load_formulary({"products": [{**item, "active_ingredient": ingredient}], "dur_rules": []})


# --- fills and partials -----------------------------------------------------------------


def test_partials_report_refill_number_and_partial_sequence_and_the_next_fill_starts_after(
        rph, counter):
    first = dispense(rph, cream_fill(counter, quantity=10))
    second = dispense(rph, cream_fill(counter, quantity=10))
    third = dispense(rph, cream_fill(counter, quantity=10))
    assert [(d["fill_number"], d["refill_number"], d["partial_sequence"])
            for d in (first, second, third)] == [(1, 0, 1), (2, 0, 2), (3, 0, 3)]
    nxt = dispense(rph, cream_fill(counter, quantity=10, **early()))
    assert (nxt["fill_number"], nxt["refill_number"], nxt["partial_sequence"]) == (4, 1, 1)
    rx = rx_of(rph, counter.cream_rx)
    assert rx["quantity_remaining"] == 50 and rx["refills_remaining"] == 1
    assert rx["current_fill"] == {"refill_number": 1, "next_partial": 2, "dispensed": "10",
                                  "remaining": "20"}


def test_label_refills_remaining_counts_fills_not_yet_begun(rph, counter):
    # 3 fills of 30 g: the rest of a partial fill is not a refill.
    assert dispense(rph, cream_fill(counter, quantity=10))["label"]["refills_left"] == 2
    assert dispense(rph, cream_fill(counter, quantity=20))["label"]["refills_left"] == 2
    assert dispense(rph, cream_fill(counter, quantity=5, **early()))["label"][
        "refills_left"] == 1


def test_close_fill_short_forfeits_the_rest_and_the_next_dispense_starts_the_next_fill(
        rph, api_as, counter):
    dispense(rph, cream_fill(counter, quantity=10))
    path = f"/api/v1/prescriptions/{counter.cream_rx}/close-fill"
    assert rph.post(path, json={}).status_code == 422
    assert api_as("technician").post(path, json={"reason": "x"}).status_code == 403
    closed = rph.post(path, json={"reason": "Patient declined the rest"})
    assert closed.status_code == 200, closed.json
    assert closed.json["quantity_forfeited"] == 20 and closed.json["quantity_remaining"] == 60
    assert closed.json["refills_remaining"] == 2
    assert closed.json["fills"][0]["closed_short_reason"] == "Patient declined the rest"
    again = rph.post(path, json={"reason": "twice"})  # nothing of refill 1 has gone out
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    nxt = dispense(rph, cream_fill(counter, quantity=30, **early()))
    assert (nxt["refill_number"], nxt["partial_sequence"]) == (1, 1)
    assert nxt["dispensing_fee"] == "12.00" and nxt["compounding_fee"] == "45.00"


def test_close_fill_short_of_the_last_fill_exhausts_the_prescription(rph, counter):
    for quantity in (30, 30):
        dispense(rph, cream_fill(counter, quantity=quantity, **early()))
    dispense(rph, cream_fill(counter, quantity=5, **early()))
    closed = rph.post(f"/api/v1/prescriptions/{counter.cream_rx}/close-fill",
                      json={"reason": "Therapy stopped"}).json
    assert closed["status"] == "exhausted" and closed["quantity_remaining"] == 0
    refused = dispense(rph, cream_fill(counter, quantity=1, **early()), status=409)
    assert refused["code"] == "refills_exhausted"


# --- controlled products and combined refills ----------------------------------------------


def test_quantity_exceeds_fill_refuses_a_controlled_dispense_beyond_the_fill(rph, app, counter):
    dispense(rph, cream_fill(counter, quantity=10))
    refused = dispense(rph, cream_fill(counter, quantity=25), status=409)
    assert refused["code"] == "quantity_exceeds_fill"
    assert "Only 20 g remain of the original fill" in refused["detail"]
    with app.app_context():
        assert db.session.get(Prescription, counter.cream_rx).quantity_dispensed == 10


@pytest.fixture
def duloxetine_rx(app, counter):
    """Duloxetine 30 mg × 30, 3 refills: not controlled."""
    with app.app_context():
        load_products("DULO-CAP-30")
        rx = prescription(counter.case_id, counter.prescriber_id, "DULO-CAP-30",
                          quantity=Decimal(30), days_supply=30, refills_authorized=3)
        db.session.commit()
        return rx.id


def test_quantity_exceeds_fill_refuses_a_non_controlled_dispense_without_combine_refills(
        rph, duloxetine_rx):
    refused = dispense(rph, {"prescription_id": duloxetine_rx, "quantity": 60,
                             "days_supply": 60}, status=409)
    assert refused["code"] == "quantity_exceeds_fill"
    assert "combine refills" in refused["detail"]


def test_combine_refills_draws_on_the_next_fills_as_one_fill_event_with_one_fee(
        rph, duloxetine_rx):
    combined = dispense(rph, {"prescription_id": duloxetine_rx, "quantity": 75,
                              "days_supply": 75, "combine_refills": True,
                              "ndc": DULOXETINE_30_NDC})
    assert combined["fill_parts"] == [
        {"refill_number": 0, "quantity": 30, "partial_sequence": 1},
        {"refill_number": 1, "quantity": 30, "partial_sequence": 1},
        {"refill_number": 2, "quantity": 15, "partial_sequence": 1}]
    assert combined["charge"] == "42.00"  # 75 × $0.40 + one $12.00 dispensing fee
    assert combined["label"]["refills_left"] == 1
    rest = dispense(rph, {"prescription_id": duloxetine_rx, "quantity": 15, "days_supply": 15,
                          "ndc": DULOXETINE_30_NDC})
    assert (rest["refill_number"], rest["partial_sequence"]) == (2, 2)
    assert rest["charge"] == "6.00"  # the rest of refill 2: no fee


def test_combine_refills_on_a_controlled_product_is_422(rph, counter):
    refused = dispense(rph, cream_fill(counter, quantity=60, combine_refills=True), status=422)
    assert "combine_refills" in refused["errors"]


# --- fees -----------------------------------------------------------------------------------


def test_fees_once_per_fill_three_partials_cost_the_same_as_one_dispense(rph, app, counter):
    partials = [dispense(rph, cream_fill(counter, quantity=10)) for _ in range(3)]
    assert [p["dispensing_fee"] for p in partials] == ["12.00", "0.00", "0.00"]
    assert [p["compounding_fee"] for p in partials] == ["45.00", "0.00", "0.00"]
    with app.app_context():  # the same 30 g as one dispense, on another case
        other = factories.case(factories.law_firm())
        whole_rx = prescription(other.id, counter.prescriber_id, "KET-CRM-10",
                                quantity=Decimal(30), days_supply=30, refills_authorized=2)
        db.session.commit()
        whole_id = whole_rx.id
    whole = dispense(rph, cream_fill(counter, prescription_id=whole_id))
    total = sum(Decimal(p["charge"]) for p in partials)
    assert total == Decimal(whole["charge"]) == Decimal("132.00")


# --- refill timing --------------------------------------------------------------------------


def test_refill_too_soon_not_applied_to_the_rest_of_a_partial_fill(rph, counter):
    dispense(rph, cream_fill(counter, quantity=10, days_supply=10))
    clock.freeze(clock.utcnow() + timedelta(days=1))
    rest = dispense(rph, cream_fill(counter, quantity=20, days_supply=20))
    assert (rest["refill_number"], rest["partial_sequence"], rest["refill_override_reason"]) == (
        0, 2, None)
    refused = dispense(rph, cream_fill(counter, quantity=10), status=409)  # starts refill 1
    assert refused["code"] == "refill_too_soon"


@pytest.fixture
def same_patient(app, world):
    """The world's patient with a second case at another firm, and a prescriber."""
    with app.app_context():
        second = factories.case(factories.law_firm(), patient_id=world.patient_id)
        db.session.commit()
        return world.case_id, second.id, world.prescriber_id


def oral_fill(rx_id):
    return {"prescription_id": rx_id, "quantity": 30, "days_supply": 30}


def test_refill_too_soon_looks_across_the_patients_cases_and_prescriptions(
        rph, app, same_patient):
    first_case, second_case, doctor = same_patient
    with app.app_context():
        commercial("TESTA-ORAL", ingredient="testamine")
        one = prescription(first_case, doctor, "TESTA-ORAL", quantity=Decimal(30))
        other = prescription(second_case, doctor, "TESTA-ORAL", quantity=Decimal(30))
        db.session.commit()
        one_id, other_id = one.id, other.id
    dispense(rph, oral_fill(one_id))
    refused = dispense(rph, oral_fill(other_id), status=409)
    assert refused["code"] == "refill_too_soon"
    assert f"RX{one_id:07d}" in refused["detail"]
    clock.freeze(clock.utcnow() + timedelta(days=23))  # 0.75 × 30 = 22.5 days
    dispense(rph, oral_fill(other_id))


def test_refill_too_soon_counts_the_same_active_ingredient_in_the_same_route_group(
        rph, app, same_patient):
    case_id, _, doctor = same_patient
    with app.app_context():
        commercial("TESTA-ORAL", ingredient="testamine")
        commercial("TESTA-SL", route="sublingual", ingredient="testamine")
        oral = prescription(case_id, doctor, "TESTA-ORAL", quantity=Decimal(30))
        sublingual = prescription(case_id, doctor, "TESTA-SL", quantity=Decimal(30))
        db.session.commit()
        oral_id, sublingual_id = oral.id, sublingual.id
    dispense(rph, oral_fill(oral_id))
    assert dispense(rph, oral_fill(sublingual_id), status=409)["code"] == "refill_too_soon"


def test_refill_too_soon_ignores_the_other_route_group(rph, app, same_patient):
    case_id, _, doctor = same_patient
    with app.app_context():
        commercial("TESTA-ORAL", ingredient="testamine")
        commercial("TESTA-TOP", route="transdermal", ingredient="testamine")
        oral = prescription(case_id, doctor, "TESTA-ORAL", quantity=Decimal(30))
        patch = prescription(case_id, doctor, "TESTA-TOP", quantity=Decimal(30))
        db.session.commit()
        oral_id, patch_id = oral.id, patch.id
    dispense(rph, oral_fill(oral_id))
    dispense(rph, oral_fill(patch_id))  # transdermal is topical: no overlap with oral


def test_refill_too_soon_without_an_active_ingredient_counts_only_the_same_product(
        rph, app, same_patient):
    case_id, _, doctor = same_patient
    with app.app_context():
        commercial("PLAIN-A")
        commercial("PLAIN-B")
        a = prescription(case_id, doctor, "PLAIN-A", quantity=Decimal(30))
        b = prescription(case_id, doctor, "PLAIN-B", quantity=Decimal(30))
        db.session.commit()
        a_id, b_id = a.id, b.id
    dispense(rph, oral_fill(a_id))
    dispense(rph, oral_fill(b_id))


def test_active_ingredient_is_read_from_the_seed_and_shown_on_the_product(rph, app, counter):
    with app.app_context():
        with_ingredient("KET-CRM-10", "ketamine")
        db.session.commit()
    [product] = rph.get("/api/v1/products?code=KET-CRM-10").json
    assert product["active_ingredient"] == "ketamine"


# --- reversals ------------------------------------------------------------------------------


def test_reversal_gives_the_quantity_back_to_its_fill(rph, counter):
    first, second, third = (dispense(rph, cream_fill(counter, quantity=10)) for _ in range(3))
    assert rph.post(f"/api/v1/dispenses/{second['id']}/reverse",
                    json={"reason": "returned", **RETURNED}).status_code == 200
    rx = rx_of(rph, counter.cream_rx)
    assert rx["quantity_remaining"] == 70 and rx["current_fill"]["refill_number"] == 0
    again = dispense(rph, cream_fill(counter, quantity=10))  # the original fill again
    assert (again["refill_number"], again["partial_sequence"]) == (0, 4)
    assert again["dispensing_fee"] == "0.00"
    # the first partial carries the fill's fees: its later partials go first
    refused = rph.post(f"/api/v1/dispenses/{first['id']}/reverse", json={"reason": "x", **RETURNED})
    assert refused.status_code == 409 and refused.json["code"] == "invalid_transition"
    for later in (again, third):
        assert rph.post(f"/api/v1/dispenses/{later['id']}/reverse",
                        json={"reason": "x", "disposition": "return_to_stock"}).status_code == 200
    assert rph.post(f"/api/v1/dispenses/{first['id']}/reverse",
                    json={"reason": "x", "disposition": "return_to_stock"}).status_code == 200
    restart = dispense(rph, cream_fill(counter, quantity=30))
    assert (restart["refill_number"], restart["partial_sequence"]) == (0, 1)
    assert restart["charge"] == "132.00"  # a fill begun again charges its fees again


def test_reversal_in_a_fill_closed_short_forfeits_the_quantity(rph, counter):
    only = dispense(rph, cream_fill(counter, quantity=10))
    rph.post(f"/api/v1/prescriptions/{counter.cream_rx}/close-fill", json={"reason": "stop"})
    assert rph.post(f"/api/v1/dispenses/{only['id']}/reverse",
                    json={"reason": "x", "disposition": "return_to_stock"}).status_code == 200
    rx = rx_of(rph, counter.cream_rx)
    assert (rx["quantity_dispensed"], rx["quantity_forfeited"], rx["quantity_remaining"]) == (
        0, 30, 60)
    assert rx["current_fill"]["refill_number"] == 1


# --- Schedule II ----------------------------------------------------------------------------


@pytest.fixture
def schedule_ii(app, world):
    """A Schedule II tablet on the formulary."""
    with app.app_context():
        product = commercial("CII-TAB", schedule="II", ingredient="oxycodone")
        receive_ndc_lot(product.ndc, "OX100")
        db.session.commit()
        return formulary.product_by_code("CII-TAB").id


def test_schedule_ii_verbal_source_refused(api_as, world, schedule_ii):
    body = {"case_id": world.case_id, "prescriber_id": world.prescriber_id,
            "product_id": schedule_ii, "sig": "1 tablet twice daily", "quantity": 60,
            "days_supply": 30, "written_on": clock.today().isoformat(),
            "diagnosis_codes": ["G90.511"], "indication": INDICATION, "source": "verbal"}
    tech = api_as("technician")
    refused = tech.post("/api/v1/prescriptions", json=body)
    assert refused.status_code == 422 and "source" in refused.json["errors"]
    assert tech.post("/api/v1/prescriptions", json={**body, "source": "written"}
                     ).status_code == 201


def test_schedule_ii_remainder_after_30_days_is_prescription_expired(rph, app, world,
                                                                     schedule_ii):
    with app.app_context():
        rx = prescription(world.case_id, world.prescriber_id, "CII-TAB", quantity=Decimal(60))
        db.session.commit()
        rx_id = rx.id
    fill = {"prescription_id": rx_id, "quantity": 20, "days_supply": 10, "lot_number": "OX100"}
    dispense(rph, fill)
    clock.freeze(clock.utcnow() + timedelta(days=30))  # the 30th day: still in time
    assert dispense(rph, fill)["partial_sequence"] == 2
    clock.freeze(clock.utcnow() + timedelta(days=1))
    refused = dispense(rph, fill, status=409)
    assert refused["code"] == "prescription_expired"
    assert "30 days from the written date" in refused["detail"]


# --- the ledger memo and the attorney's view ------------------------------------------------


def test_charge_memo_marks_a_refill_too_soon_and_a_bud_override(rph, api_as, counter):
    dispense(rph, cream_fill(counter))
    clock.freeze(clock.utcnow() + timedelta(days=20))  # too soon, and 30 days pass the BUD
    dispense(rph, cream_fill(counter, bud_override={"reason": "discard on the BUD"}, **early()))
    memos = [e["memo"] for e in api_as("billing").get(
        f"/api/v1/cases/{counter.case_id}/ledger").json["entries"]]
    assert "early refill override" not in memos[0] and "BUD override" not in memos[0]
    assert "[early refill override; BUD override]" in memos[1]


def test_attorney_dispense_shows_refill_partial_and_late_entry(rph, api_as, app, counter):
    fill = dispense(rph, cream_fill(counter, quantity=10))
    with app.app_context():
        from lienrx.cases.models import Case

        firm_id = db.session.get(Case, counter.case_id).law_firm_id
    seen = api_as("attorney", firm=firm_id).get(f"/api/v1/dispenses/{fill['id']}")
    assert seen.status_code == 200
    assert (seen.json["refill_number"], seen.json["partial_sequence"],
            seen.json["late_entry"]) == (0, 1, False)


# --- the dispense page ----------------------------------------------------------------------


def _refusal_setup(code: str, app: Any, counter: Any) -> tuple[int, dict[str, Any]]:
    """The prescription and the form that a dispense refused with ``code`` posts."""
    cream = {"compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"}
    with app.app_context():
        if code == "quantity_exceeds_fill":
            return counter.cream_rx, {**cream, "quantity": "40"}
        if code == "refills_exhausted":
            return counter.cream_rx, {**cream, "quantity": "100"}
        if code == "days_supply_inconsistent":  # 3 g a day on a prescription for 1 g a day
            return counter.cream_rx, {**cream, "days_supply": "10"}
        if code == "refill_too_soon":
            from lienrx.dispensing import services
            from lienrx.dispensing.services import DispenseRequest

            services.dispense(factories.user("pharmacist"), DispenseRequest(
                prescription_id=counter.cream_rx, quantity=Decimal(30), days_supply=30,
                compounding_record_id=counter.batch_id))
            db.session.commit()
            return counter.cream_rx, cream
        if code == "days_supply_exceeds_bud":
            clock.freeze(clock.utcnow() + timedelta(days=30))
            return counter.cream_rx, cream
        if code == "prescription_expired":
            expires = db.session.get(Prescription, counter.cream_rx).expires_on
            clock.freeze(clock.utcnow() + timedelta(days=(expires - clock.today()).days + 1))
            return counter.cream_rx, cream
        if code == "lien_not_active":
            factories.hold(counter.case_id)
            db.session.commit()
            return counter.cream_rx, cream
        if code == "compounding_not_verified":
            from lienrx.auth.models import User

            batch = pending_batch("KET-CRM-10", 60, db.session.get(User, counter.compounder_id))
            db.session.commit()
            return counter.cream_rx, {**cream, "compounding_record_id": str(batch)}
        if code == "ndc_required":
            commercial("NONDC-TAB", ndc=False)
            rx = prescription(counter.case_id, counter.prescriber_id, "NONDC-TAB")
        elif code == "dur_unresolved":
            load_products("PREG-CAP-75")
            rx = prescription(counter.case_id, counter.prescriber_id, "PREG-CAP-75",
                              quantity=Decimal(60))
            receive_ndc_lot("46708-121-90", "PG100")
            db.session.commit()
            return rx.id, {"quantity": "30", "days_supply": "30", "ndc": "46708-121-90",
                           "lot_number": "PG100", "medguide_provided": "on"}
        else:  # price_missing
            commercial("NOPRICE-TAB", price=False)
            rx = prescription(counter.case_id, counter.prescriber_id, "NOPRICE-TAB")
        db.session.commit()
        return rx.id, {"quantity": "30", "days_supply": "30"}


@pytest.mark.parametrize("code", sorted(REFUSAL_HINTS))
def test_every_dispense_refusal_is_explained_on_the_dispense_page(app, staff,  # noqa: F811
                                                                   counter, code):
    rx_id, form = _refusal_setup(code, app, counter)
    rph = staff("pharmacist")
    r = rph.post(f"/staff/prescriptions/{rx_id}/dispense", data=form)
    shown = text(r)
    assert r.status_code == 409, shown
    assert f"Refused: {CONFLICT_TITLES[code]}." in shown
    assert REFUSAL_HINTS[code] in shown
    page = r.get_data(as_text=True)
    if code == "refill_too_soon":
        assert 'name="override_refill_too_soon.reason"' in page
    if code == "days_supply_exceeds_bud":
        assert 'name="bud_override.reason"' in page


def test_dispense_page_shows_the_fill_about_to_go_out_and_past_fills(staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{counter.cream_rx}"
    assert "original fill, partial 1 — 30 g of 30 g remain in this fill" in text(rph.get(path))
    r = rph.post(f"{path}/dispense", data={"compounding_record_id": counter.batch_id,
                                           "quantity": "10", "days_supply": "10"})
    assert r.status_code == 302
    assert "Went out as the original fill, partial 1" in text(rph.get(r.headers["Location"]))
    shown = text(rph.get(path))
    assert "original fill, partial 2 — 20 g of 30 g remain in this fill" in shown
    assert 'name="combine_refills"' not in rph.get(path).get_data(as_text=True)  # controlled
    r = rph.post(f"{path}/dispense", data={"compounding_record_id": counter.batch_id,
                                           "quantity": "10", "days_supply": "10"})
    assert "Fees none: charged once per fill" in text(rph.get(r.headers["Location"]))


def test_close_fill_short_on_the_page_needs_a_reason(staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{counter.cream_rx}"
    rph.post(f"{path}/dispense", data={"compounding_record_id": counter.batch_id,
                                       "quantity": "10", "days_supply": "10"})
    assert "Close this fill short" in text(rph.get(path))
    r = rph.post(f"{path}/close-fill", data={"reason": ""})
    assert r.status_code == 422 and "Reason for closing the fill short" in text(r)
    r = rph.post(f"{path}/close-fill", data={"reason": "Patient declined the rest"})
    assert r.status_code == 302
    shown = text(rph.get(path))
    assert "Closed short the original fill after 10 g: Patient declined the rest" in shown
    assert "refill 1 of 2, partial 1 — 30 g of 30 g remain in this fill" in shown


def test_combine_refills_checkbox_is_offered_for_a_non_controlled_product(
        staff, duloxetine_rx):  # noqa: F811
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{duloxetine_rx}"
    assert 'name="combine_refills"' in rph.get(path).get_data(as_text=True)
    r = rph.post(f"{path}/dispense", data={"quantity": "60", "days_supply": "60",
                                           "combine_refills": "on", "ndc": DULOXETINE_30_NDC,
                                           "medguide_provided": "on"})
    assert r.status_code == 302, text(r)
    assert "refills combined" in text(rph.get(r.headers["Location"]))


# --- the migration --------------------------------------------------------------------------


def _placements(app, rx_ids):
    from lienrx.dispensing.models import Dispense
    from lienrx.prescribing.models import PrescriptionFill

    with app.app_context():
        dispenses = sorted(
            (d.prescription_id, d.fill_number, d.status, d.refill_number, d.partial_sequence,
             [{**p, "quantity": Decimal(str(p["quantity"]))} for p in d.fill_parts],
             d.starts_fill)
            for d in db.session.query(Dispense).filter(Dispense.prescription_id.in_(rx_ids)))
        fills = sorted((f.prescription_id, f.refill_number, Decimal(f.quantity_dispensed),
                        f.last_partial) for f in db.session.query(PrescriptionFill))
        db.session.remove()
        return dispenses, fills


def test_migration_places_existing_dispenses_in_their_fills(rph, app, counter, duloxetine_rx):
    """Built again from the dispenses alone, fills and partials come out as they were made."""
    from flask_migrate import downgrade, upgrade

    for quantity in (10, 10, 10, 10):
        dispense(rph, cream_fill(counter, quantity=quantity, **early()))
    last = dispense(rph, cream_fill(counter, quantity=5, **early()))
    rph.post(f"/api/v1/dispenses/{last['id']}/reverse",
             json={"reason": "entered twice", **RETURNED})
    dispense(rph, {"prescription_id": duloxetine_rx, "quantity": 75, "days_supply": 75,
                   "combine_refills": True, "ndc": DULOXETINE_30_NDC})
    dispense(rph, {"prescription_id": duloxetine_rx, "quantity": 15, "days_supply": 15,
                   "ndc": DULOXETINE_30_NDC})
    before = _placements(app, [counter.cream_rx, duloxetine_rx])
    with app.app_context():
        directory = app.extensions["migrate"].directory
        db.session.remove()
        downgrade(directory=directory, revision="a3f9d2c4b816-1")
        upgrade(directory=directory)
    assert _placements(app, [counter.cream_rx, duloxetine_rx]) == before
