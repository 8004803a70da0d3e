"""SPEC §7.5: the controlled-substance report per drug and period (xlsx and PDF) ties to the
journal to the unit: closing = opening + every column, and both equal the journal's sums."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from lienrx.auth.models import User
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.inventory import services
from lienrx.inventory.models import InventoryMovement
from lienrx.inventory.report import HEADINGS
from tests.inventory.conftest import KETAMINE, ZOLPIDEM_NDC, receive

WITNESSES = ["Pat Ray", "Lee Chu"]


@pytest.fixture
def period(ctx, stock):
    """Movements of every kind over two days; the report covers today."""
    rph = db.session.get(User, stock["pharmacist_id"])
    lot = stock["lot_id"]  # 100 g received yesterday
    today = clock.today()
    services.draw(rph, lot, Decimal("10.5"), "compounding_use", source=("compounding_record", 1),
                  occurred_on=today - timedelta(days=1))  # before the period
    services.draw(rph, lot, Decimal(12), "compounding_use", source=("compounding_record", 2))
    services.draw(rph, lot, Decimal(3), "dispense", source=("dispense", 5))
    services.return_to_stock(rph, lot, Decimal(3), source=("dispense", 5))
    services.record_movement(rph, lot_id=lot, kind="waste", quantity=Decimal("0.25"),
                             reason="spill", witnesses=WITNESSES[:1])
    services.record_movement(rph, lot_id=lot, kind="destruction", quantity=Decimal(2),
                             reason="contaminated", method="incineration", witnesses=WITNESSES)
    services.record_movement(rph, lot_id=lot, kind="theft", quantity=Decimal(1),
                             reason="break-in", discovered_on=today)
    services.record_movement(rph, lot_id=lot, kind="adjustment", quantity=Decimal("0.125"),
                             reason="balance recalibrated", direction="increase")
    zolpidem = receive(rph, component=None, product_id=stock["ZOLP-TAB-5"], ndc=ZOLPIDEM_NDC,
                       lot_number="Z-9", quantity=Decimal(100), unit="each")
    services.draw(rph, zolpidem, Decimal(30), "dispense", source=("dispense", 6))
    db.session.commit()
    return today, today


def journal_sum(lot_id, **where):
    query = sa.select(sa.func.coalesce(sa.func.sum(InventoryMovement.quantity), 0)).where(
        InventoryMovement.lot_id == lot_id)
    if "before" in where:
        query = query.where(InventoryMovement.occurred_on < where["before"])
    if "through" in where:
        query = query.where(InventoryMovement.occurred_on <= where["through"])
    return Decimal(db.session.execute(query).scalar_one())


def sheet_rows(workbook, title):
    rows = list(workbook[title].iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_report_ties_to_the_journal_to_the_unit(app, api_as, stock, period):
    start, end = period
    response = api_as("pharmacist").get(
        f"/api/v1/inventory/report.xlsx?from={start}&to={end}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["About", "By drug", "By lot", "Movements"]
    _, drugs = sheet_rows(workbook, "By drug")
    ketamine = next(row for row in drugs if row["Drug"] == KETAMINE)
    assert {h: Decimal(str(ketamine[h])) for h in HEADINGS} == {
        "Opening": Decimal("89.5"), "Received": 0, "Used in compounding": -12,
        "Dispensed": -3, "Returned to stock": 3, "Wasted": Decimal("-0.25"),
        "Destroyed": -2, "Lost or stolen": -1, "Count adjustments": Decimal("0.125"),
        "Closing": Decimal("74.375")}
    _, lots = sheet_rows(workbook, "By lot")
    _, movements = sheet_rows(workbook, "Movements")
    with app.app_context():
        for row in lots:
            figures = [Decimal(str(row[h])) for h in HEADINGS]
            assert figures[0] + sum(figures[1:-1]) == figures[-1]  # the row adds up
            assert figures[0] == journal_sum(row["Lot ID"], before=start)
            assert figures[-1] == journal_sum(row["Lot ID"], through=end)
            moved = sum(Decimal(str(m["Quantity"])) for m in movements
                        if m["Lot"] == row["Lot"] and m["NDC"] == row["NDC"])
            assert moved == figures[-1] - figures[0]
    theft = next(m for m in movements if m["Kind"] == "theft")
    assert theft["Discovered on"].date() == end and theft["Reason"] == "break-in"
    destruction = next(m for m in movements if m["Kind"] == "destruction")
    assert destruction["Witnesses"] == "Pat Ray; Lee Chu"


def test_a_non_controlled_lot_is_not_on_the_report(app, api_as, stock, period):
    with app.app_context():
        from lienrx.formulary import services as formulary
        from tests.formulary.factories import extra_product

        plain = extra_product("IBU-TAB", ["nsaid"])
        formulary.set_product_ndcs(None, plain, [{"ndc": "0904-5853-61"}])
        receive(None, component=None, product_id=plain.id, ndc="0904-5853-61",
                lot_number="I-1", quantity=Decimal(50), unit="each")
        db.session.commit()
    start, end = period
    response = api_as("pharmacist").get(f"/api/v1/inventory/report.xlsx?from={start}&to={end}")
    _, lots = sheet_rows(load_workbook(io.BytesIO(response.data)), "By lot")
    assert "I-1" not in {row["Lot"] for row in lots} and len(lots) == 2


def test_the_report_as_pdf_carries_the_same_figures(api_as, stock, period):
    start, end = period
    response = api_as("admin").get(f"/api/v1/inventory/report.pdf?from={start}&to={end}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Controlled-substance inventory report" in text
    assert KETAMINE in text and "74.375" in text and "89.5" in text


def test_the_report_needs_a_period_in_order(api_as, stock):
    rph = api_as("pharmacist")
    missing = rph.get("/api/v1/inventory/report.xlsx?from=2026-01-01")
    assert missing.status_code == 422 and set(missing.json["errors"]) == {"to"}
    backwards = rph.get("/api/v1/inventory/report.pdf?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 422 and set(backwards.json["errors"]) == {"to"}


@pytest.mark.parametrize("role", ["technician", "billing", "attorney"])
def test_only_pharmacists_and_admins_read_the_report(api_as, stock, role):
    response = api_as(role).get("/api/v1/inventory/report.xlsx?from=2026-01-01&to=2026-01-31")
    assert response.status_code == 403


def test_inventory_report_command_writes_the_workbook(runner, stock, period, tmp_path):
    start, end = period
    out = tmp_path / "cs.xlsx"
    result = runner.invoke(args=["inventory", "report", "--from", str(start), "--to", str(end),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 drugs, 2 lots" in result.output
    assert load_workbook(out)["By drug"].max_row == 3
    backwards = runner.invoke(args=["inventory", "report", "--from", str(end), "--to",
                                    str(start - timedelta(days=1)), "--out", str(out)])
    assert backwards.exit_code == 2 and "--to" in backwards.output


def test_an_empty_period_reports_nothing_and_says_so(api_as, stock):
    long_ago = date(2020, 1, 1)
    response = api_as("pharmacist").get(
        f"/api/v1/inventory/report.pdf?from={long_ago}&to={long_ago + timedelta(days=30)}")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "No controlled stock or movement in the period." in text


def test_the_report_pdf_keeps_drug_and_lot_names_in_every_script(app, api_as, stock):
    name, lot = "Золпидем 山田 Ζολπιδέμη 5 mg tablet", "Партия-Ω7"
    with app.app_context():
        from lienrx.formulary import services as formulary

        product, _ = formulary.upsert_product(
            None, code="ZOLP-INTL", name=name, kind="commercial", dosage_form="tablet",
            route="oral", strength="5 mg", strength_mg_per_unit=5, unit="each",
            dea_schedule="IV", hazardous=False, dur_classes=[])
        formulary.set_product_ndcs(None, product, [{"ndc": "0904-5853-61"}])
        receive(None, component=None, product_id=product.id, ndc="0904-5853-61",
                lot_number=lot, quantity=Decimal(50), unit="each")
        db.session.commit()
    today = clock.today()
    response = api_as("pharmacist").get(
        f"/api/v1/inventory/report.pdf?from={today - timedelta(days=1)}&to={today}")
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert name in text and lot in text and "\ufffd" not in text
