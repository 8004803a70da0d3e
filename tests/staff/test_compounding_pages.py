"""The compounding pages a technician and a pharmacist use: weighing against rescaled
targets, QC beside its specification, no Verify for the compounder, MFR approval."""

from __future__ import annotations

import re

from lienrx.extensions import db
from lienrx.formulary import services as formulary
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of
from tests.staff.test_pharmacy_pages import batch_form


def _html(response):
    return response.get_data(as_text=True)


def test_weighed_fields_start_empty_and_a_batch_is_not_saved_without_weighing(app, staff,
                                                                             products):
    tech = staff("technician")
    page = _html(tech.get(f"/staff/batches/new?product_id={products['KET-CRM-10']}"))
    assert page.count('name="ingredients.0.quantity" type="text" value=""') == 1
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    for n in range(3):
        data[f"ingredients.{n}.quantity"] = ""
    r = tech.post("/staff/batches/new", data=data)
    assert r.status_code == 422
    assert error_of(r, "ingredients-0-quantity") == "This field is required."
    assert "No batch yet." in text(tech.get("/staff/batches"))


def test_check_rescales_every_target_and_clears_nothing_typed(app, staff, products):
    tech = staff("technician")
    with app.app_context():
        data = batch_form("KET-CRM-10", 100, action="check")
    data["quantity"] = "200"
    data["ingredients.0.quantity"] = ""  # not weighed yet: Check does not complain
    r = tech.post("/staff/batches/new", data=data)
    assert r.status_code == 200
    page = _html(r)
    assert re.search(r'id="target-0">20 g<', page)
    assert re.search(r'id="target-1">10 g<', page)
    assert re.search(r'id="target-2">q\.s\. ≈ 170 g<', page)
    assert f'value="{data["ingredients.1.lot_number"]}"' in page
    assert f'value="{data["ingredients.0.ndc"]}"' in page
    assert f'value="{data["ingredients.2.quantity"]}"' in page  # typed, kept
    assert 'value="smooth, uniform white cream, no grit"' in page  # a QC result typed
    assert "190–210 g" in text(r)  # the final weight's range rescaled too
    assert "field-error" not in page


def test_targets_are_plain_decimals(app, staff, products):
    page = _html(staff("technician").get(
        f"/staff/batches/new?product_id={products['KET-CRM-10']}&quantity=100"))
    assert re.search(r'id="target-0">10 g<', page)
    assert "E+" not in page


def test_check_with_a_quantity_that_is_not_a_number_says_so_on_the_field(app, staff, products):
    with app.app_context():
        data = batch_form("KET-CRM-10", 100, action="check")
    data["quantity"] = "lots"
    r = staff("technician").post("/staff/batches/new", data=data)
    assert error_of(r, "quantity") == "A positive number."
    assert re.search(r'id="target-0">\? g<', _html(r))


def test_verify_is_never_shown_to_the_compounder(app, staff, products):
    rph = staff("pharmacist")
    with app.app_context():
        data = batch_form("KET-CRM-10", 100)
    batch = rph.post("/staff/batches/new", data=data).headers["Location"]
    own = rph.get(batch)
    assert "Verify batch" not in text(own) and "You compounded this batch" in text(own)
    assert "Verify batch" in text(staff("pharmacist").get(batch))


def test_verification_page_lists_each_qc_check_with_its_spec(app, staff, products):
    with app.app_context():
        data = batch_form("KET-CRM-10", 200)
    del data["qc_results.pH"]
    batch = staff("technician").post("/staff/batches/new", data=data).headers["Location"]
    rph = staff("pharmacist")
    page = rph.get(batch)
    html = _html(page)
    for name, spec in (("appearance", "smooth, uniform white cream, no grit"),
                       ("final_weight", "190–210 g"),
                       ("pH", "1 g dispersed in 9 mL purified water; 3.5–6.5")):
        assert f'<td id="f-qc_results-{name}-spec">{spec}</td>' in html
        assert f'aria-describedby="f-qc_results-{name}-spec"' in html
    assert 'name="qc_results.final_weight" value="200"' in html  # recorded by the compounder
    r = rph.post(f"{batch}/verify", data={"qc_results.final_weight": "200"})
    assert r.status_code == 422
    assert error_of(r, "qc_results-pH") == "A result is needed for this check."
    r = rph.post(f"{batch}/verify", data={"qc_results.pH": "7.9"})
    assert r.status_code == 409
    assert "Refused: A quality check is out of specification." in text(r)
    assert "pH 7.9 (spec" in text(r)
    assert "out of specification" in text(rph.get(batch))  # the result was kept
    r = rph.post(f"{batch}/reject", data={"reason": "pH 7.9 above 6.5"})
    assert r.status_code == 302
    shown = text(rph.get(batch))
    assert "rejected" in shown and "Nothing is dispensed from this batch." in shown


def test_pharmacist_approves_a_formulation_on_the_compounding_page(app, staff, products):
    with app.app_context():
        formulation_id = formulary.product_by_code("KET-CRM-10").formulation.id
    tech = staff("technician")
    assert "approved by the system (seed), not reviewed" in text(tech.get("/staff/batches"))
    assert "Approve v2 of KET-CRM-10" not in text(tech.get("/staff/batches"))
    assert tech.post(f"/staff/formulations/{formulation_id}/approve").status_code == 403
    rph = staff("pharmacist")
    r = rph.post(f"/staff/formulations/{formulation_id}/approve")
    assert r.status_code == 302
    assert "Every version is approved by a pharmacist." in text(rph.get("/staff/batches"))
    page = text(rph.get(f"/staff/batches/new?product_id={products['KET-CRM-10']}"))
    assert "Approved by" in page and "no pharmacist has reviewed it" not in page
    again = rph.post(f"/staff/formulations/{formulation_id}/approve")
    assert again.status_code == 409 and "already approved by a pharmacist" in text(again)


def test_a_product_without_an_approved_formulation_cannot_open_a_batch(app, staff, products):
    with app.app_context():
        product = formulary.product_by_code("KET-CRM-10")
        for formulation in product.formulations:
            formulation.approved_at = None
        db.session.commit()
    tech = staff("technician")
    r = tech.get(f"/staff/batches/new?product_id={products['KET-CRM-10']}")
    assert r.status_code == 409 and "is not approved by a pharmacist" in text(r)
    assert "not approved: not used to compound" in text(tech.get("/staff/batches"))
