"""`lienrx seed demo` files the client's HIPAA authorization naming the demo firm."""

import io

from pypdf import PdfReader

from lienrx.case_documents import services
from lienrx.case_documents.queries import active_authorization
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.extensions import db
from tests import factories


def test_the_demo_case_has_an_authorization_in_force_for_the_demo_firm(runner, ctx):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    db.session.remove()
    (case,) = db.session.query(Case).all()
    found = active_authorization(case.id, case.law_firm_id, clock.today())
    assert found is not None and found.content_type == "application/pdf"
    _, pdf = services.read_content(factories.user("billing"), found.id)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Demo & Partners Injury Law" in text and "Jordan Rivera" in text
