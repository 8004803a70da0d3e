"""The portal's firm summary and its CSV (SPEC §7.8): the firm's balance, cases by status and
aging chart; the CSV names a client only under a HIPAA authorization naming the firm, and
never lets a spreadsheet run a cell."""

import csv
import io
from datetime import timedelta

from lienrx.core import clock
from lienrx.extensions import db
from tests import factories
from tests.case_documents.factories import authorization
from tests.portal.conftest import sign_in


def _firm(app):
    """A firm with an authorized case, an unauthorized one and another firm's case."""
    with app.app_context():
        firm = factories.law_firm("Dogwood Law")
        attorney = factories.user("attorney", firm_id=firm.id)
        named = factories.case(firm, patient_id=factories.patient(first_name="Ana",
                                                                  last_name="Reyes").id,
                               firm_file_number="=HYPERLINK(\"http://x\")", authorized=False)
        hidden = factories.case(firm, patient_id=factories.patient(first_name="Bo",
                                                                   last_name="Secret").id,
                                firm_file_number="DW-2", authorized=False)
        held = factories.case(firm, firm_file_number="DW-3", authorized=False)
        factories.hold(held.id)
        authorization(named.id, firm.id)
        factories.ledger_charge(named.id, 40000, occurred_on=clock.today() - timedelta(days=100))
        factories.ledger_charge(hidden.id, 2500)
        other = factories.case(factories.law_firm("Elm Law"), firm_file_number="ELM-1")
        factories.ledger_charge(other.id, 99900)
        db.session.commit()
        return attorney.email


def test_the_summary_shows_the_firms_balance_statuses_and_chart(app):
    client = sign_in(app.test_client(), _firm(app))
    page = client.get("/portal/summary")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="firm-balance">$425.00<' in body
    assert "<th scope=\"row\">active</th><td class=\"num\">2</td><td class=\"money\">$425.00</td>" \
        in body
    assert "<th scope=\"row\">on hold</th><td class=\"num\">1</td>" in body
    assert body.count('<svg class="chart"') == 1 and 'class="bar bucket-1"' in body
    assert "$999.00" not in body  # another firm's balance
    assert 'href="/portal/summary"' in body and 'href="/portal/cases.csv"' in body


def test_csv_export_hides_names_without_authorization(app):
    client = sign_in(app.test_client(), _firm(app))
    answer = client.get("/portal/cases.csv")

    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["File number", "Client", "Status", "Balance", "Last fill", "Opened"]
    by_file = {r[0]: r for r in rows[1:]}
    assert set(by_file) == {"'=HYPERLINK(\"http://x\")", "DW-2", "DW-3"}
    assert by_file["'=HYPERLINK(\"http://x\")"][1:4] == ["Ana Reyes", "active", "400.00"]
    assert by_file["'=HYPERLINK(\"http://x\")"][5] == clock.today().isoformat()
    assert by_file["DW-2"] == ["DW-2", "", "active", "", "", ""]
    assert "Secret" not in answer.get_data(as_text=True)


def test_staff_cannot_open_the_portal_summary(app, staff):
    assert staff("billing").get("/portal/summary").status_code == 403
    assert staff("billing").get("/portal/cases.csv").status_code == 403
