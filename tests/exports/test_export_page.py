"""The staff export page: the filters, what they cover, and what the workbook holds."""

from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from tests.staff.conftest import staff as staff_fixture
from tests.staff.conftest import text

staff = staff_fixture
PAGE = "/staff/billing/export"


def test_export_page_shows_the_filters_and_what_the_workbook_holds(app, staff, world):
    with app.app_context():
        firm = db.session.get(LawFirm, world.firm_id).name
    desk = staff("billing")
    shown = text(desk.get(PAGE))
    for label in ("Law firm", "Settled from", "Settled to", "Case status"):
        assert label in shown
    assert "The workbook covers Law firm all Settled all Status all" in shown
    for sheet in ("Summary One row per case", "Charges One row per dispense line",
                  "Adjustments One row per reduction, write-off or refund",
                  "Payments One row per payment received", "About When and by whom"):
        assert sheet in shown
    assert "Balance = Billed − Reversed − Reductions − Payments − Write-offs + Refunds" in shown
    assert "SUBTOTAL(109, …) leaves out rows the filter hides" in shown
    response = desk.get(f"{PAGE}?law_firm_id={world.firm_id}&settled_from=2026-01-01"
                        "&settled_to=2026-03-31&status=settled")
    assert response.status_code == 200
    assert (f"The workbook covers Law firm {firm} Settled 2026-01-01 to 2026-03-31 "
            "Status settled") in text(response)


def test_export_page_with_a_bad_filter_names_the_field_and_covers_nothing(staff):
    response = staff("billing").get(f"{PAGE}?settled_from=2026-03-01&settled_to=2026-01-01")
    assert response.status_code == 422
    shown = text(response)
    assert "settled_to is before settled_from." in shown and "The workbook covers" not in shown
