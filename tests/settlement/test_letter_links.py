"""Billing's settlement page links every letter the case has: each payoff statement, the
release or closing letter once the case closes, and the pharmacy's W-9 when one is on file."""

from __future__ import annotations

import re

import pytest

from tests.settlement.conftest import pay
from tests.staff.conftest import staff  # noqa: F401


def links(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.get_data(as_text=True)))


@pytest.fixture
def desk(staff, matter):  # noqa: F811
    return staff("billing")


def test_settlement_page_links_each_payoff_statement_and_the_release_letter(billing, desk,
                                                                             matter):
    first = billing.post(f"/api/v1/cases/{matter.case_id}/payoff-statements").json["id"]
    pay(billing, matter.case_id, "150.50")
    second = billing.post(f"/api/v1/cases/{matter.case_id}/payoff-statements").json["id"]
    page = f"/staff/billing/cases/{matter.case_id}"
    found = links(desk.get(page))
    for statement_id in (first, second):
        assert {f"/api/v1/payoff-statements/{statement_id}.html",
                f"/api/v1/payoff-statements/{statement_id}.pdf"} <= found
    assert not any("release-letter" in link or "closing-letter" in link for link in found)
    billing.post(f"/api/v1/cases/{matter.case_id}/close", json={"outcome": "paid"})
    found = links(desk.get(page))
    assert {f"/api/v1/cases/{matter.case_id}/release-letter.html",
            f"/api/v1/cases/{matter.case_id}/release-letter.pdf"} <= found
    assert not any("closing-letter" in link for link in found)


def test_settlement_page_links_the_closing_letter_and_the_w9(app, billing, desk, matter,
                                                              tmp_path, monkeypatch):
    page = f"/staff/billing/cases/{matter.case_id}"
    assert "/api/v1/pharmacy/w9.pdf" not in links(desk.get(page))
    (tmp_path / "w9.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    monkeypatch.setitem(app.config, "LIENRX_W9_PATH", str(tmp_path / "w9.pdf"))
    billing.post(f"/api/v1/cases/{matter.case_id}/close", json={"outcome": "no_recovery"})
    found = links(desk.get(page))
    assert {f"/api/v1/cases/{matter.case_id}/closing-letter.html",
            f"/api/v1/cases/{matter.case_id}/closing-letter.pdf",
            "/api/v1/pharmacy/w9.pdf"} <= found
    assert desk.get(f"/api/v1/cases/{matter.case_id}/closing-letter.pdf").status_code == 200
