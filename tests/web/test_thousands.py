"""Amounts and counts read with thousands separators wherever a page or a document shows
them ($12,345.67; 1,000), through the one pair of filters (lienrx.core.numbers); the API
keeps its plain decimal strings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lienrx.auth.models import User
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.numbers import money, num
from lienrx.extensions import db
from tests import factories
from tests.portal.conftest import csrf_token
from tests.portal.conftest import sign_in as portal_sign_in
from tests.staff.conftest import staff, text  # noqa: F401

BIG = 1_234_567  # cents: $12,345.67
MANY = 1_000


@pytest.mark.parametrize("cents, shown", [(BIG, "$12,345.67"), (-BIG, "-$12,345.67"),
                                          (0, "$0.00"), (99, "$0.99"),
                                          (100_000_000, "$1,000,000.00")])
def test_money_reads_with_separators(cents, shown):
    assert money(cents) == shown
    assert money(f"{Decimal(cents) / 100:.2f}") == shown  # dollars as the API writes them


def test_a_credit_shows_its_sign_when_asked():
    assert money(500, signed=True) == "+$5.00" and money(-500, signed=True) == "-$5.00"


@pytest.mark.parametrize("value, shown", [(1000, "1,000"), (Decimal("12500.000"), "12,500"),
                                          (Decimal("1234.5"), "1,234.5"), (7, "7"),
                                          (Decimal("0.030"), "0.03"), (-1500, "-1,500")])
def test_counts_and_quantities_read_with_separators(value, shown):
    assert num(value) == shown


@pytest.fixture
def big_lien(app):
    """The world case carrying $12,345.67 of charges, its firm's attorney."""
    with app.app_context():
        world = factories.World.build()
        factories.ledger_charge(world.case_id, BIG)
        attorney = db.session.get(User, world.attorney_id).email
        db.session.commit()
        return world, attorney


def test_staff_pages_show_a_large_balance_with_separators(staff, big_lien):  # noqa: F811
    world, _ = big_lien
    billing = staff("billing")
    for path in (f"/staff/cases/{world.case_id}", "/staff/cases", "/staff/billing/",
                 f"/staff/billing/cases/{world.case_id}", "/staff/billing/board"):
        assert "$12,345.67" in text(billing.get(path)), path


def test_portal_pages_and_the_payoff_letter_show_it_too(app, big_lien):
    world, attorney = big_lien
    counsel = portal_sign_in(app.test_client(), attorney)
    for path in ("/portal/", f"/portal/cases/{world.case_id}", "/portal/summary"):
        assert "$12,345.67" in text(counsel.get(path)), path
    issued = counsel.post(f"/portal/cases/{world.case_id}/payoff-statements",
                          data={"csrf_token": csrf_token(text_of(counsel, world.case_id))})
    assert "$12,345.67" in text(counsel.get(issued.headers["Location"]))


def test_the_api_keeps_plain_decimal_strings(api_as, big_lien):
    world, _ = big_lien
    assert api_as("billing").get(f"/api/v1/cases/{world.case_id}").json["balance"] == \
        "12345.67"


@pytest.fixture
def crowded_intake(app):
    """A firm with a thousand cases waiting in intake (inserted in one statement: the count
    is what is under test) and its attorney."""
    with app.app_context():
        firm = factories.law_firm()
        attorney = factories.user("attorney", firm_id=firm.id).email
        client = factories.patient()
        db.session.execute(sa.insert(Case), [
            {"patient_id": client.id, "law_firm_id": firm.id, "firm_file_number": f"BULK-{i}",
             "date_of_injury": clock.today() - timedelta(days=30),
             "injury_mechanism": "motor_vehicle", "jurisdiction": "TN"} for i in range(MANY)])
        db.session.commit()
        return attorney


def test_the_work_queue_counts_a_thousand_with_a_separator(staff, crowded_intake):  # noqa: F811
    shown = text(staff("pharmacist").get("/staff/?stage=intake"))
    assert "Intake 1,000" in shown and "All 1,000" in shown
    assert "Showing 1–50 of 1,000 items" in shown


def test_the_case_list_and_the_portal_count_a_thousand(app, staff, crowded_intake):  # noqa: F811
    assert "of 1,000 cases" in text(staff("billing").get("/staff/cases?status=intake"))
    counsel = portal_sign_in(app.test_client(), crowded_intake)
    assert "1,000 cases." in text(counsel.get("/portal/"))
    assert "intake 1,000" in text(counsel.get("/portal/summary"))


def text_of(client, case_id):
    return client.get(f"/portal/cases/{case_id}").get_data(as_text=True)
