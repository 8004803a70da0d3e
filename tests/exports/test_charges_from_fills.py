"""SPEC §4.10: the Charges sheet has one row per dispense line, with the fill's details."""

import io

from openpyxl import load_workbook

from tests.dispensing.conftest import counter as counter_fixture
from tests.dispensing.conftest import cream_fill, gabapentin_fill

counter = counter_fixture


def test_charges_sheet_row_per_fill_with_product_quantity_ndc_and_lot(api_as, counter):
    rph = api_as("pharmacist")
    gaba = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    cream = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    response = api_as("billing").get("/api/v1/reconciliations.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Charges"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=2) if isinstance(row[0].value, int)]
    by_dispense = {r["Dispense ID"]: r for r in rows}
    assert by_dispense[gaba["id"]]["Product"] == "Gabapentin 300 mg capsule"
    assert by_dispense[gaba["id"]]["Quantity"] == 90
    assert by_dispense[gaba["id"]]["NDC"] == "65162-0102-10"
    assert by_dispense[gaba["id"]]["Lot"] == "GB2291A"
    assert by_dispense[cream["id"]]["Lot"] == cream["label"]["lot_number"]
    assert float(by_dispense[cream["id"]]["Amount"]) == 132.00
    assert by_dispense[cream["id"]]["Fill no."] == 1
