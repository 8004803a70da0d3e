"""SPEC §7.2: products that need an FDA Medication Guide (21 CFR 208.24) are flagged, the staff
dispense page asks for it to be ticked as given, and the dispense and its label record it."""

import pytest

from lienrx.extensions import db
from lienrx.formulary import services as formulary
from seeds.formulary import load_formulary, seed_data
from tests.dispensing.conftest import gabapentin_fill
from tests.formulary.factories import GABAPENTIN_300_NDC
from tests.staff.conftest import sign_in, text
from tests.staff.test_intake_pages import error_of


def set_medication_guide(app, code, flag):
    """Load ``code`` from the seed with ``medication_guide`` set to ``flag``."""
    with app.app_context():
        item = next(p for p in seed_data()["products"] if p["code"] == code)
        load_formulary({"products": [{**item, "medication_guide": flag}], "dur_rules": []})
        db.session.commit()


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


@pytest.fixture
def rph_page(app):
    return sign_in(app, "pharmacist")


def page_fill(counter, **extra):
    return {"quantity": "90", "days_supply": "30", "ndc": GABAPENTIN_300_NDC,
            "lot_number": "GB2291A", **extra}


def test_seed_flags_products_that_need_a_medication_guide(api_as, counter):
    products = {p["code"]: p for p in api_as("technician").get("/api/v1/products").json}
    assert products["GABA-CAP-300"]["medication_guide"] is True  # an antiepileptic
    assert products["KET-CRM-10"]["medication_guide"] is False  # a compound has no FDA label


def test_seed_loader_reads_the_medication_guide_flag(app, api_as, counter):
    set_medication_guide(app, "GABA-CAP-300", False)
    with app.app_context():
        product = formulary.product_by_code("GABA-CAP-300")
        assert product is not None and product.medication_guide is False
        product_id = product.id
    detail = api_as("technician").get(f"/api/v1/products/{product_id}").json
    assert detail["medication_guide"] is False


def test_dispense_records_medguide_provided_false_by_default(rph, counter):
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert body["medguide_provided"] is False
    assert body["label"]["medguide_provided"] is False


def test_dispense_records_medguide_provided_and_the_label_notes_it(app, rph, counter):
    body = rph.post("/api/v1/dispenses",
                    json=gabapentin_fill(counter, medguide_provided=True)).json
    assert body["medguide_provided"] is True
    assert body["label"]["medguide_provided"] is True
    shown = text(sign_in(app, "technician").get(f"/staff/dispenses/{body['id']}/label"))
    assert "Medication Guide provided" in shown


def test_medguide_provided_that_is_not_a_boolean_is_422(rph, counter):
    response = rph.post("/api/v1/dispenses",
                        json=gabapentin_fill(counter, medguide_provided="perhaps"))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["medguide_provided"]


def test_dispense_page_says_medication_guide_required_for_a_flagged_product(rph_page, counter):
    path = f"/staff/prescriptions/{counter.gabapentin_rx}"
    cream = text(rph_page.get(f"/staff/prescriptions/{counter.cream_rx}"))
    assert "Medication Guide required" not in cream
    shown = text(rph_page.get(path))
    assert "Medication Guide required" in shown and "Medication Guide provided" in shown


def test_dispense_page_refuses_a_flagged_product_without_the_guide_ticked(rph_page, counter):
    path = f"/staff/prescriptions/{counter.gabapentin_rx}"
    r = rph_page.post(f"{path}/dispense", data=page_fill(counter))
    assert r.status_code == 422
    assert error_of(r, "medguide_provided") == (
        "Give the patient the Medication Guide and tick this box.")
    assert "No fill yet." in text(rph_page.get(path))  # nothing was dispensed


def test_dispense_page_dispenses_a_flagged_product_with_the_guide_ticked(rph_page, counter):
    r = rph_page.post(f"/staff/prescriptions/{counter.gabapentin_rx}/dispense",
                      data=page_fill(counter, medguide_provided="on"))
    assert r.status_code == 302, text(r)
    shown = text(rph_page.get(r.headers["Location"]))
    assert "Medication Guide provided" in shown
