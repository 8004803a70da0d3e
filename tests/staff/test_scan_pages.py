"""The Scan field of the dispense form and the receiving form: a scan fills the NDC, lot and
expiry for the person to check; an NDC of another drug, an unreadable scan, a bad check digit
and an expired lot are refused next to the Scan field, naming what was scanned."""

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lienrx.core import clock
from lienrx.dispensing.models import Dispense
from lienrx.extensions import db
from tests.dispensing.conftest import counter  # noqa: F401
from tests.inventory.conftest import stock  # noqa: F401
from tests.staff.conftest import text
from tests.staff.test_intake_pages import error_of as escaped_error_of

# Gabapentin 300 mg, NDC 65162-102-10 (the prescribed product's, 11 digits 65162010210).
GABAPENTIN_GTIN = "00365162102109"
# Zolpidem 5 mg, NDC 0093-0073-01 (11 digits 00093007301): another product.
ZOLPIDEM_UPC = "300930073014"
# Bulk ketamine HCl, NDC 62991-1087-2 (11 digits 62991108702).
KETAMINE_GTIN = "00362991108722"
GS = "\x1d"


def yymmdd(day: date, *, end_of_month: bool = False) -> str:
    return day.strftime("%y%m") + ("00" if end_of_month else day.strftime("%d"))


def error_of(response, field):
    """The message shown next to ``field``, as read."""
    return html.unescape(escaped_error_of(response, field) or "")


def value_of(response, field):
    """What the input ``field`` shows (its id is f-<field>)."""
    found = re.search(rf'id="f-{field}" name="[^"]+" type="[^"]+" value="([^"]*)"',
                      response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


def dispense_path(counter):  # noqa: F811
    return f"/staff/prescriptions/{counter.gabapentin_rx}/dispense"


def fill(**fields):
    return {"quantity": "90", "days_supply": "30", "ndc": "", "lot_number": "",
            "dispensed_on": clock.today().isoformat(), **fields}


def dispenses(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Dispense))


def test_a_scanned_datamatrix_fills_ndc_lot_and_expiry_then_dispenses(app, staff,
                                                                        counter):  # noqa: F811
    rph = staff("pharmacist")
    expiry = clock.today() + timedelta(days=400)
    scanned = f"]d201{GABAPENTIN_GTIN}17{yymmdd(expiry)}10GB2291A"
    r = rph.post(dispense_path(counter), data=fill(scan=scanned, read_scan="1"))
    assert r.status_code == 200, text(r)
    assert value_of(r, "ndc") == "65162010210"
    assert value_of(r, "lot_number") == "GB2291A"
    assert value_of(r, "lot_expiration_date") == expiry.isoformat()
    assert value_of(r, "scan") == ""
    assert (f"Read GTIN {GABAPENTIN_GTIN}: NDC 65162010210, lot GB2291A, expiry "
            f"{expiry.isoformat()}.") in text(r)
    assert dispenses(app) == 0
    r = rph.post(dispense_path(counter), data=fill(
        ndc="65162010210", lot_number="GB2291A", lot_expiration_date=expiry.isoformat(),
        medguide_provided="on"))
    assert r.status_code == 302, text(r)
    assert dispenses(app) == 1


def test_a_scanners_enter_reads_the_scan_instead_of_dispensing(app, staff,
                                                               counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        scan=f"(01){GABAPENTIN_GTIN}(10)GB2291A", medguide_provided="on"))
    assert r.status_code == 200
    assert (value_of(r, "ndc"), value_of(r, "lot_number")) == ("65162010210", "GB2291A")
    assert dispenses(app) == 0


def test_a_upc_a_scan_fills_the_ndc_and_keeps_the_typed_lot(staff, counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        scan="365162102109", lot_number="GB2291A", read_scan="1"))
    assert r.status_code == 200
    assert (value_of(r, "ndc"), value_of(r, "lot_number")) == ("65162010210", "GB2291A")
    assert "Read UPC-A 365162102109: NDC 65162010210." in text(r)


def test_scanned_ndc_not_of_the_prescribed_product_is_refused(app, staff,
                                                             counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        scan=ZOLPIDEM_UPC, ndc="65162-102-10", read_scan="1"))
    assert r.status_code == 422
    message = error_of(r, "scan")
    assert message.startswith("Scanned NDC 0093007301 (UPC-A 300930073014) is not one of the "
                              "prescribed Gabapentin 300 mg capsule's NDCs")
    assert "65162010210" in message
    assert value_of(r, "scan") == ZOLPIDEM_UPC
    assert value_of(r, "ndc") == "65162-102-10"  # what was typed stays
    assert dispenses(app) == 0


def test_a_scan_with_a_bad_check_digit_is_refused(staff, counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        scan=f"01{GABAPENTIN_GTIN[:-1]}8{GS}10GB2291A", read_scan="1"))
    assert r.status_code == 422
    assert error_of(r, "scan").startswith("Bad check digit in GTIN 00365162102108")


def test_an_unreadable_scan_is_refused_naming_what_was_scanned(staff, counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(scan="GB2291A"))
    assert r.status_code == 422
    assert error_of(r, "scan").startswith("GB2291A is not a readable drug barcode")
    assert "Scan: GB2291A is not a readable drug barcode" in text(r)  # the summary too


def test_read_scan_with_nothing_scanned_says_so(staff, counter):  # noqa: F811
    r = staff("pharmacist").post(dispense_path(counter), data=fill(read_scan="1"))
    assert r.status_code == 422 and error_of(r, "scan") == "Nothing was scanned."


def test_a_scanned_lot_expired_by_the_fill_date_is_refused_with_its_expiry(staff,
                                                                          counter):  # noqa: F811
    lapsed = (clock.today().replace(day=1) - timedelta(days=1))  # end of last month
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        scan=f"(01){GABAPENTIN_GTIN}(17){yymmdd(lapsed, end_of_month=True)}(10)GB2291A",
        read_scan="1"))
    assert r.status_code == 422
    assert error_of(r, "scan") == (f"Lot GB2291A expired on {lapsed.isoformat()}: it cannot "
                                   f"be dispensed on {clock.today().isoformat()}.")


def test_an_expired_lot_is_refused_on_dispense(app, staff, counter):  # noqa: F811
    lapsed = clock.today() - timedelta(days=1)
    r = staff("pharmacist").post(dispense_path(counter), data=fill(
        ndc="65162010210", lot_number="GB2291A", lot_expiration_date=lapsed.isoformat(),
        medguide_provided="on"))
    assert r.status_code == 422
    assert error_of(r, "lot_expiration_date") == (
        f"Lot GB2291A expired on {lapsed.isoformat()}: it cannot be dispensed on "
        f"{clock.today().isoformat()}.")
    assert dispenses(app) == 0


def receive_fields(**fields):
    return {"component": "", "product_id": "", "ndc": "", "lot_number": "",
            "expiration_date": "", "quantity": "", "unit": "g", "supplier": "",
            "supplier_dea_number": "", "invoice_number": "",
            "received_on": clock.today().isoformat(), **fields}


def test_a_scan_on_the_receiving_page_fills_ndc_lot_and_expiry(staff, stock):  # noqa: F811
    expiry = clock.today() + timedelta(days=700)
    r = staff("pharmacist").post("/staff/inventory/receive", data=receive_fields(
        component="Ketamine hydrochloride USP powder",
        scan=f"]C101{KETAMINE_GTIN}17{yymmdd(expiry, end_of_month=True)}10K-002",
        read_scan="1"))
    assert r.status_code == 200, text(r)
    end_of_month = (expiry.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1)
    assert value_of(r, "ndc") == "62991108702"
    assert value_of(r, "lot_number") == "K-002"
    assert value_of(r, "expiration_date") == end_of_month.isoformat()
    assert value_of(r, "received_on") == clock.today().isoformat()  # the rest stays


def test_a_scanned_ndc_resolves_to_the_chosen_products_listed_ndc(staff, stock):  # noqa: F811
    r = staff("pharmacist").post("/staff/inventory/receive", data=receive_fields(
        product_id=str(stock["ZOLP-TAB-5"]), scan=ZOLPIDEM_UPC, read_scan="1"))
    assert r.status_code == 200, text(r)
    assert value_of(r, "ndc") == "00093007301"


def test_scanned_ndc_not_of_the_chosen_product_is_refused_on_receiving(staff,
                                                                     stock):  # noqa: F811
    r = staff("pharmacist").post("/staff/inventory/receive", data=receive_fields(
        product_id=str(stock["ZOLP-TAB-10"]), scan=ZOLPIDEM_UPC, read_scan="1"))
    assert r.status_code == 422
    assert error_of(r, "scan").startswith(
        "Scanned NDC 0093007301 (UPC-A 300930073014) is not one of Zolpidem")
    assert value_of(r, "ndc") == ""


def test_a_scan_before_the_drug_is_chosen_is_refused(staff, stock):  # noqa: F811
    r = staff("pharmacist").post("/staff/inventory/receive",
                                 data=receive_fields(scan=ZOLPIDEM_UPC))
    assert r.status_code == 422
    assert error_of(r, "scan").startswith("Choose the bulk component or the commercial product")


@pytest.mark.parametrize("role", ["technician", "billing"])
def test_only_a_pharmacist_reads_a_scan_on_the_receiving_page(staff, stock, role):  # noqa: F811
    r = staff(role).post("/staff/inventory/receive", data=receive_fields(scan=ZOLPIDEM_UPC))
    assert r.status_code == 403
