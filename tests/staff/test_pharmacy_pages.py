"""Prescription entry, compounding and dispensing pages: field errors, refusals with their
reasons, DUR resolution, refill override, label, reversal, and role refusals."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from lienrx.compounding import services as compounding
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.formulary.factories import (
    INDICATION,
    load_products,
    lots_for,
    passing_qc,
    prescriber_without_dea,
    receive_ndc_lot,
)
from tests.staff.confirming import confirmed
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of


def rx_form(product_id, prescriber_id, **extra):
    return {"product_id": product_id, "prescriber_id": prescriber_id, "sig": "1 at bedtime",
            "quantity": "30", "days_supply": "30", "refills_authorized": "0",
            "written_on": clock.today().isoformat(), "diagnosis_codes": "G90.511",
            "indication": INDICATION, **extra}


def test_dea_limit_is_explained_on_the_refills_field(staff, world, products):
    r = staff("technician").post(f"/staff/cases/{world.case_id}/prescriptions/new",
                                 data=rx_form(products["ZOLP-TAB-10"], world.prescriber_id,
                                              refills_authorized="6"))
    assert r.status_code == 422
    assert error_of(r, "refills_authorized") == "Schedule IV allows at most 5 refills."
    assert "Schedule III" in text(r)  # the limits table beside the form


def test_controlled_product_needs_a_prescriber_with_a_dea_number(app, staff, world, products):
    with app.app_context():
        no_dea = prescriber_without_dea()
        db.session.commit()
    r = staff("pharmacist").post(f"/staff/cases/{world.case_id}/prescriptions/new",
                                 data=rx_form(products["KET-CRM-10"], no_dea))
    assert "needs a prescriber with a DEA number" in error_of(r, "prescriber_id")


def test_dur_alerts_found_at_entry_are_shown(staff, world, products):
    tech = staff("technician")
    tech.post(f"/staff/cases/{world.case_id}/prescriptions/new",
              data=rx_form(products["GABA-CAP-300"], world.prescriber_id))
    r = tech.post(f"/staff/cases/{world.case_id}/prescriptions/new",
                  data=rx_form(products["PREG-CAP-75"], world.prescriber_id))
    assert r.status_code == 302
    shown = text(tech.get(r.headers["Location"]))
    assert "DUR found 1 alert(s)" in shown
    assert "high duplicate therapy" in shown


def test_billing_may_not_enter_prescriptions(staff, world):
    assert staff("billing").get(
        f"/staff/cases/{world.case_id}/prescriptions/new").status_code == 403


def batch_form(code, quantity, **overrides):
    """The batch page's fields: lots weighed to the formula and passing QC results."""
    data = {"product_id": load_products(code)[code], "quantity": str(quantity),
            "action": "save"}
    for n, lot in enumerate(lots_for(code, quantity)):
        for part in ("component", "lot_number", "ndc", "expiration_date", "quantity", "unit"):
            if part in lot:
                data[f"ingredients.{n}.{part}"] = str(lot[part])
    for name, result in passing_qc(code, quantity).items():
        data[f"qc_results.{name}"] = str(result)
    return {**data, **overrides}


def test_batch_form_is_prefilled_from_the_master_formulation(staff, products):
    page = staff("technician").get(f"/staff/batches/new?product_id={products['KET-CRM-10']}"
                                   "&quantity=200")
    html = page.get_data(as_text=True)
    assert 'name="ingredients.0.component" value="Ketamine hydrochloride USP powder"' in html
    assert re.search(r'id="target-0">20 g<', html)  # 10 g per 100 g
    assert 'name="ingredients.0.quantity" type="text" value=""' in html  # weighed, not copied
    assert "35 days" in text(page)


def test_check_shows_the_bud_from_the_earliest_lot_before_saving(app, staff, products):
    with app.app_context():
        data = batch_form("KET-CRM-10", 100, action="check")
    soon = (clock.today() + timedelta(days=10)).isoformat()
    data["ingredients.1.expiration_date"] = soon
    r = staff("technician").post("/staff/batches/new", data=data)
    assert r.status_code == 200
    assert re.search(rf'id="bud">{soon}<', r.get_data(as_text=True))
    assert "the earliest ingredient expiry" in text(r)
    with app.app_context():
        from lienrx.compounding.queries import recent_batches
        assert recent_batches() == []  # nothing was saved


def test_expired_lot_is_refused_with_the_reason(app, staff, products):
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    data["ingredients.2.expiration_date"] = (clock.today() - timedelta(days=1)).isoformat()
    data["ingredients.0.lot_number"] = ""
    r = staff("technician").post("/staff/batches/new", data=data)
    assert r.status_code == 422
    assert error_of(r, "ingredients-0-lot_number") == "This field is required."
    data["ingredients.0.lot_number"] = "L1"
    r = staff("technician").post("/staff/batches/new", data=data)
    assert "expired on" in error_of(r, "ingredients")


def test_compounder_cannot_verify_their_own_batch_and_is_told_why(app, staff, products):
    rph = staff("pharmacist")
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    r = rph.post("/staff/batches/new", data=data)
    batch = r.headers["Location"]
    shown = rph.get(batch)
    assert "You compounded this batch" in text(shown)
    assert "Verify batch" not in text(shown)
    r = rph.post(f"{batch}/verify")
    assert r.status_code == 409
    assert "The verifier must not be the compounder." in text(r)
    assert staff("technician").post(f"{batch}/verify").status_code == 403
    assert confirmed(staff("pharmacist"), f"{batch}/verify", {}).status_code == 302


@pytest.fixture
def pregabalin_rx(app, counter):  # noqa: F811
    """A pregabalin prescription beside gabapentin: a high-severity duplicate therapy."""
    from tests.formulary.factories import prescription

    with app.app_context():
        load_products("PREG-CAP-75")
        rx = prescription(counter.case_id, counter.prescriber_id, "PREG-CAP-75",
                          quantity=Decimal(60), days_supply=30)
        receive_ndc_lot("46708-121-90", "PG100")
        db.session.commit()
        return rx.id


def test_dispense_waits_for_a_dur_resolution_then_fills(staff, pregabalin_rx):
    rph = staff("pharmacist")
    fill = {"quantity": "60", "days_supply": "30", "ndc": "46708-121-90", "lot_number": "PG100",
            "medguide_provided": "on"}
    r = rph.post(f"/staff/prescriptions/{pregabalin_rx}/dispense", data=fill)
    assert r.status_code == 409
    assert "Refused: Drug-use review alerts need a pharmacist's resolution." in text(r)
    rows = re.findall(r'name="dur_resolutions\.(\d+)\.alert_id" value="(\d+)"',
                      r.get_data(as_text=True))
    assert rows
    coded = {f"dur_resolutions.{n}.{k}": v for n, alert_id in rows for k, v in {
        "alert_id": alert_id, "reason": "TD", "professional_service": "R0", "result": "1B",
        "note": "Gabapentin stopped; cross-taper"}.items()}
    r = rph.post(f"/staff/prescriptions/{pregabalin_rx}/dispense", data={**fill, **coded})
    assert r.status_code == 302, text(r)
    shown = text(rph.get(r.headers["Location"]))
    assert "Patient pays $0.00" in shown


def test_refill_too_soon_shows_the_due_date_and_takes_an_override(staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    fill = {"compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"}
    path = f"/staff/prescriptions/{counter.cream_rx}/dispense"
    assert rph.post(path, data=fill).status_code == 302
    r = rph.post(path, data=fill)
    assert r.status_code == 409
    assert "Refused: Too soon to refill." in text(r)
    assert "the next fill is due on" in text(r)
    r = rph.post(path, data={**fill, "override_refill_too_soon.reason": "Tube leaked"})
    assert r.status_code == 302
    assert "Tube leaked" in text(rph.get(r.headers["Location"]))


def test_dispense_shows_charge_label_and_balance_then_reverses(staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    r = rph.post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data={
        "compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"})
    page = r.headers["Location"]
    shown = text(rph.get(page))
    # 30 g × $2.50 + $12.00 dispensing + $45.00 compounding
    assert "Charged to the lien $132.00" in shown
    assert "Lien balance now $132.00" in shown
    label = rph.get(f"{page}/label")
    assert "label.css" in label.get_data(as_text=True)
    assert "For external use only" in text(label)
    # the ketamine cream is controlled: its reversal form asks what becomes of the stock
    assert 'name="disposition" value="return_to_stock"' in rph.get(page).get_data(as_text=True)
    r = rph.post(f"{page}/reverse", data={"reason": ""})
    assert r.status_code == 422 and error_of(r, "reason")
    r = confirmed(rph, f"{page}/reverse", {"reason": "Wrong strength",
                                           "disposition": "return_to_stock"})
    assert r.status_code == 302
    assert "Lien balance now $0.00" in text(rph.get(page))
    r = rph.post(f"{page}/reverse", data={"reason": "Again", "disposition": "return_to_stock"})
    assert r.status_code == 409 and "already been reversed" in text(r)


def test_only_pharmacists_dispense_or_reverse(staff, counter):  # noqa: F811
    tech = staff("technician")
    path = f"/staff/prescriptions/{counter.cream_rx}"
    assert "Dispense" not in [b for b in re.findall(r">(\w+)</button>",
                                                    tech.get(path).get_data(as_text=True))]
    assert tech.post(f"{path}/dispense", data={"quantity": "1"}).status_code == 403
    assert staff("billing").post("/staff/dispenses/1/reverse",
                                 data={"reason": "x"}).status_code == 403


def test_dispense_on_an_intake_case_is_refused_with_the_reason(app, staff, counter):  # noqa: F811
    with app.app_context():
        from lienrx.cases import services as cases

        cases.hold_case(None, counter.case_id, "Awaiting records")
        db.session.commit()
    r = staff("pharmacist").post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data={
        "compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"})
    assert r.status_code == 409
    assert "no lien charge without an active agreement" in text(r)


def test_queue_lists_what_is_waiting(app, staff, counter):  # noqa: F811
    with app.app_context():
        compounder = factories.user("technician")
        compounding.record_batch(compounder, product_id=load_products("KET-CRM-10")["KET-CRM-10"],
                                 quantity=Decimal(100), ingredients=[
                                     {**lot, "expiration_date": clock.today() + timedelta(days=99),
                                      "quantity": Decimal(str(lot["quantity"]))}
                                     for lot in lots_for("KET-CRM-10", 100)])
        db.session.commit()
    shown = text(staff("pharmacist").get("/staff/"))
    assert re.search(r"Ready to dispense 2 ", shown)
    assert re.search(r"Verification 1 ", shown)


def test_a_charge_above_the_threshold_needs_its_confirmation(app, staff, counter,  # noqa: F811
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_CONFIRM_CHARGE_ABOVE", 10_000)  # $100.00
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{counter.cream_rx}"
    # 30 g × $2.50 + $12.00 dispensing + $45.00 compounding = $132.00, shown before posting.
    assert "I confirm this charge of $132.00" in text(rph.get(path))
    fill = {"compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"}
    r = rph.post(f"{path}/dispense", data=fill)
    assert r.status_code == 422 and error_of(r, "confirm_charge")
    r = rph.post(f"{path}/dispense", data={**fill, "confirm_charge": "13200"})
    assert r.status_code == 302
    assert "Charged to the lien $132.00" in text(rph.get(r.headers["Location"]))


def test_a_confirmation_of_another_amount_does_not_count(app, staff, counter,  # noqa: F811
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_CONFIRM_CHARGE_ABOVE", 10_000)
    rph = staff("pharmacist")
    fill = {"compounding_record_id": counter.batch_id, "quantity": "25", "days_supply": "30",
            "confirm_charge": "13200"}  # confirmed $132.00, but 25 g charges $119.50
    r = rph.post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data=fill)
    assert r.status_code == 422 and "I confirm this charge of $119.50" in text(r)


def test_a_charge_at_or_below_the_threshold_needs_no_confirmation(staff, counter):  # noqa: F811
    rph = staff("pharmacist")  # default: above $1,000.00
    path = f"/staff/prescriptions/{counter.cream_rx}"
    assert "I confirm this charge" not in text(rph.get(path))
    r = rph.post(f"{path}/dispense", data={"compounding_record_id": counter.batch_id,
                                           "quantity": "30", "days_supply": "30"})
    assert r.status_code == 302


def test_a_bud_override_is_shown_on_the_fill(staff, counter):  # noqa: F811
    clock.freeze(clock.utcnow() + timedelta(days=30))
    rph = staff("pharmacist")
    path = f"/staff/prescriptions/{counter.cream_rx}/dispense"
    fill = {"compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"}
    r = rph.post(path, data=fill)
    assert r.status_code == 409 and "beyond-use date" in text(r)
    r = rph.post(path, data={**fill, "bud_override.reason": "Discard on the BUD"})
    assert r.status_code == 302
    assert "Supply past the BUD Discard on the BUD" in text(rph.get(r.headers["Location"]))
