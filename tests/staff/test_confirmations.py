"""Consequential actions ask first: the first post shows the effect (in money where there is
money) and changes nothing; the confirmed post does it."""

import re

import sqlalchemy as sa

from lienrx.attestations.models import Attestation
from lienrx.cases.models import Case
from lienrx.compounding.models import CompoundingRecord
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from lienrx.ledger.models import JournalEntry
from tests import factories
from tests.dispensing.conftest import counter  # noqa: F401
from tests.staff.confirming import asked
from tests.staff.conftest import text
from tests.staff.test_billing_pages import charged
from tests.staff.test_intake_pages import error_of
from tests.staff.test_pharmacy_pages import batch_form


def entries(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def case_status(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).status


def test_first_step_of_a_confirmation_changes_nothing(app, staff, world):
    page, desk = charged(app, world, 25000), staff("billing")
    before = entries(app)
    asked(desk, f"{page}/writeoff", {"writeoff-amount": "100", "writeoff-reason": "Courtesy"})
    asked(desk, f"{page}/close", {"close-outcome": "no_recovery"})
    assert entries(app) == before
    assert case_status(app, world.case_id) == "active"
    assert "lien balance $250.00" in text(desk.get(page))


def test_write_off_asks_first_showing_the_amount_and_the_balance_after(app, staff, world):
    page, desk = charged(app, world, 25000), staff("billing")
    shown = asked(desk, f"{page}/writeoff", {"writeoff-amount": "$1,00.00",
                                             "writeoff-reason": "Courtesy"})
    assert "Write off $100.00?" in shown
    assert "$100.00 is written off the lien (reason: Courtesy)." in shown
    assert "The lien balance goes from $250.00 to $150.00." in shown
    r = desk.post(f"{page}/writeoff", data={"writeoff-amount": "$1,00.00",
                                            "writeoff-reason": "Courtesy", "confirmed": "yes"})
    assert r.status_code == 302
    assert "lien balance $150.00" in text(desk.get(page))


def test_a_write_off_above_the_balance_is_refused_before_any_confirmation(app, staff, world):
    page = charged(app, world, 25000)
    r = staff("billing").post(f"{page}/writeoff", data={"writeoff-amount": "300",
                                                       "writeoff-reason": "Courtesy"})
    assert r.status_code == 422
    assert error_of(r, "writeoff-amount") == "The write-off is more than the balance."
    assert "What happens when you confirm" not in text(r)


def test_closing_asks_first_showing_the_balance_written_off(app, staff, world):
    page, desk = charged(app, world, 25000), staff("billing")
    shown = asked(desk, f"{page}/close", {"close-outcome": "no_recovery",
                                          "close-reason": "Case lost"})
    assert "Close the case with no recovery?" in shown
    assert ("The whole balance (non-recourse: the client owes nothing) of $250.00 is written "
            "off (reason: Case lost).") in shown
    assert "The lien balance after: $0.00." in shown
    assert "A closing letter is issued to the firm." in shown
    r = desk.post(f"{page}/close", data={"close-outcome": "no_recovery",
                                         "close-reason": "Case lost", "confirmed": "yes"})
    assert r.status_code == 302
    assert case_status(app, world.case_id) == "closed_no_recovery"


def test_closing_paid_without_a_payment_is_refused_at_the_first_step(app, staff, world):
    r = staff("billing").post(f"{charged(app, world)}/close", data={"close-outcome": "paid"})
    assert r.status_code == 422
    assert error_of(r, "close-outcome").startswith("No payment has been recorded")


def test_reversal_asks_first_showing_the_new_balance(app, staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    r = rph.post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data={
        "compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"})
    page = r.headers["Location"]
    shown = asked(rph, f"{page}/reverse", {"reason": "Wrong strength",
                                           "disposition": "return_to_stock"})
    assert "The charge of $132.00 comes off the lien (reason: Wrong strength)." in shown
    assert "The lien balance goes from $132.00 to $0.00." in shown
    assert "Lien balance now $132.00" in text(rph.get(page))  # nothing reversed yet
    with app.app_context():
        assert db.session.scalar(sa.select(Dispense.status)) == "dispensed"
    r = rph.post(f"{page}/reverse", data={"reason": "Wrong strength", "confirmed": "yes",
                                          "disposition": "return_to_stock"})
    assert r.status_code == 302
    assert "Lien balance now $0.00" in text(rph.get(page))


def test_verification_asks_first_and_leaves_the_batch_pending(app, staff, products):
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    batch = staff("technician").post("/staff/batches/new", data=data).headers["Location"]
    record_id = int(re.search(r"/batches/(\d+)", batch).group(1))
    rph = staff("pharmacist")
    shown = asked(rph, f"{batch}/verify", {"qc_results.pH": "5.5"})
    assert "is released for dispensing until its beyond-use date" in shown
    assert "pH 5.5 (spec" in shown
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        assert record.status == "pending_verification" and record.qc_results["pH"] == "5"
    r = rph.post(f"{batch}/verify", data={"qc_results.pH": "5.5", "confirmed": "yes"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).status == "verified"


def test_signing_asks_first_showing_the_version_and_the_charges(app, staff, world):
    with app.app_context():
        factories.ledger_charge(world.case_id, 13200)
        db.session.commit()
    rph, path = staff("pharmacist"), f"/staff/cases/{world.case_id}/attestation"
    r = rph.post(path, data={"narrative": "Helps the allodynia."})
    shown = asked(rph, path, {"narrative": "Helps the allodynia."})
    assert "Sign version 1 of the POGOS?" in shown
    assert "and a lien balance of $132.00, as the records stand now" in shown
    html = r.get_data(as_text=True)
    assert 'type="hidden" name="narrative" value="Helps the allodynia."' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attestation)) == 0


def test_a_confirmation_never_carries_the_password(staff, world):
    path = f"/staff/cases/{world.case_id}/attestation"
    r = staff("pharmacist").post(path, data={"narrative": "x", "password": "s3cret-typed",
                                             "confirmed": "yes"})
    assert r.status_code == 422  # the wrong password: asked again on the same step
    assert "s3cret-typed" not in r.get_data(as_text=True)


def test_reversing_a_controlled_compounded_fill_asks_its_disposition_on_the_page(
        app, staff, counter):  # noqa: F811
    rph = staff("pharmacist")
    r = rph.post(f"/staff/prescriptions/{counter.cream_rx}/dispense", data={
        "compounding_record_id": counter.batch_id, "quantity": "30", "days_supply": "30"})
    html = rph.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="f-disposition"' in html  # the field the refusal's error links to is there
    assert "Disposition of the stock (a controlled fill, from batch " in text(rph.get(
        r.headers["Location"]))
