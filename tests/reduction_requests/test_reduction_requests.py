"""Reduction requests: firms file them, billing answers; accepting posts the reduction."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from lienrx.auth.models import User
from lienrx.cases import services as cases
from lienrx.core.errors import Forbidden
from lienrx.extensions import db
from lienrx.ledger.queries import case_balance
from lienrx.reduction_requests import services
from tests import factories
from tests.reduction_requests.calls import answer, file


def test_attorney_files_a_pending_request_with_an_acknowledgment_number(counsel, charged):
    response = file(counsel, charged.case_id)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending" and body["value"] == "250.00"
    assert re.fullmatch(r"RR-\d{4}-\d{6}", body["acknowledgment_number"])
    assert body["acknowledgment_number"].endswith(f"{body['id']:06d}")
    listed = counsel.get(f"/api/v1/cases/{charged.case_id}/reduction-requests").json
    assert [r["id"] for r in listed] == [body["id"]]


def test_billing_may_file_a_request_too(billing, charged):
    assert file(billing, charged.case_id, method="percent", value="10").status_code == 201


def test_another_firms_attorney_gets_404(api_as, charged):
    outsider = api_as("attorney")
    assert file(outsider, charged.case_id).status_code == 404
    assert outsider.get(f"/api/v1/cases/{charged.case_id}/reduction-requests"
                        ).status_code == 404


def test_bad_request_fields_are_422_on_the_field(counsel, charged):
    cases_ = {"value": [{"value": "abc"}, {"value": "0"}, {"value": "-5.00"},
                        {"method": "percent", "value": "101"}, {"value": None}],
              "method": [{"method": "final"}], "reason": [{"reason": "  "},
                                                          {"reason": "x" * 401}]}
    for field, bodies in cases_.items():
        for body in bodies:
            response = file(counsel, charged.case_id, **body)
            assert response.status_code == 422, body
            assert field in response.json["errors"], (body, response.json)


def test_request_over_the_balance_is_422(counsel, charged):
    response = file(counsel, charged.case_id, value="1000.01")
    assert response.status_code == 422 and "value" in response.json["errors"]


def test_closed_or_intake_case_refuses_a_request(app, api_as, world):
    counsel = api_as("attorney", firm=world.firm_id)
    with app.app_context():
        firm = db.session.get(factories.LawFirm, world.firm_id)
        intake = factories.case(firm, active=False)
        dropped = factories.case(firm)
        cases.transition(None, dropped, "closed_no_recovery", "dropped")
        db.session.commit()
        intake_id, dropped_id = intake.id, dropped.id
    assert file(counsel, intake_id).json["code"] == "invalid_transition"
    assert file(counsel, dropped_id).json["code"] == "case_closed"


def test_accepting_an_amount_request_posts_the_reduction(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    response = answer(billing, request_id, decision="accept", note="Agreed.")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted" and response.json["reduction_id"]
    ledger = counsel.get(f"/api/v1/cases/{charged.case_id}/ledger").json
    assert ledger["balance"] == "750.00" and ledger["totals"]["reductions"] == "250.00"
    memo = ledger["entries"][-1]["memo"]
    assert response.json["acknowledgment_number"] in memo and "Policy limits" in memo


def test_accepting_a_percent_request_posts_that_percent(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id, method="percent", value="12.5").json["id"]
    assert answer(billing, request_id, decision="accept").status_code == 200
    with app.app_context():
        assert case_balance(charged.case_id) == 87_500


def test_counter_records_the_offer_and_posts_nothing(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    assert answer(billing, request_id, decision="counter").json["errors"]["value"]
    response = answer(billing, request_id, decision="counter", value="150.00",
                      note="We can do 150.")
    assert response.json["status"] == "countered" and response.json["counter_value"] == "150.00"
    with app.app_context():
        assert case_balance(charged.case_id) == 100_000
    seen = counsel.get(f"/api/v1/reduction-requests/{request_id}").json
    assert seen["status"] == "countered" and seen["answer_note"] == "We can do 150."


def test_decline_posts_nothing_and_takes_no_value(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    assert answer(billing, request_id, decision="decline", value="1.00").status_code == 422
    assert answer(billing, request_id, decision="decline").json["status"] == "declined"
    with app.app_context():
        assert case_balance(charged.case_id) == 100_000


def test_a_request_is_answered_once(counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    assert answer(billing, request_id, decision="decline").status_code == 200
    again = answer(billing, request_id, decision="accept")
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"


def test_accept_refused_when_the_balance_fell_below_the_request(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id, value="900.00").json["id"]
    with app.app_context():
        from lienrx.settlement import services as settlement

        settlement.write_off(db.session.get(User, billing.user_id), charged.case_id,
                             amount=50_000, reason="goodwill")
        db.session.commit()
    response = answer(billing, request_id, decision="accept")
    assert response.status_code == 422 and "value" in response.json["errors"]
    assert counsel.get(f"/api/v1/reduction-requests/{request_id}").json["status"] == "pending"


def test_only_billing_answers(app, counsel, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    assert answer(counsel, request_id, decision="accept").status_code == 403
    with app.app_context():
        attorney = db.session.get(User, counsel.user_id)
        with pytest.raises(Forbidden):
            services.answer_request(attorney, request_id, decision="accept")


def test_billing_lists_pending_requests_oldest_first(counsel, billing, charged):
    first = file(counsel, charged.case_id).json["id"]
    second = file(counsel, charged.case_id, value="10.00").json["id"]
    answer(billing, first, decision="decline")
    assert [r["id"] for r in billing.get("/api/v1/reduction-requests").json] == [second]
    declined = billing.get("/api/v1/reduction-requests?status=declined").json
    assert [r["id"] for r in declined] == [first]
    assert billing.get("/api/v1/reduction-requests?status=bogus").status_code == 422
    assert counsel.get("/api/v1/reduction-requests").status_code == 403


def test_service_answer_accepts_a_typed_counter(app, counsel, billing, charged):
    request_id = file(counsel, charged.case_id, method="percent", value="20").json["id"]
    with app.app_context():
        clerk = db.session.get(User, billing.user_id)
        answered = services.answer_request(clerk, request_id, decision="counter",
                                           value=Decimal("12.5"))
        assert answered.counter_value == Decimal("12.5")
        db.session.commit()


def test_filing_and_answering_are_audited_without_phi(app, counsel, billing, charged):
    import sqlalchemy as sa

    from lienrx.audit.models import AuditEvent

    request_id = file(counsel, charged.case_id).json["id"]
    answer(billing, request_id, decision="decline")
    with app.app_context():
        events = {e.action: e.details for e in db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "reduction_request")).scalars()}
    assert events["reduction_request.filed"] == {"case_id": charged.case_id, "method": "amount"}
    assert events["reduction_request.answered"]["decision"] == "decline"


def test_another_firms_case_is_404_before_the_body_is_checked(api_as, charged):
    outsider = api_as("attorney")
    response = outsider.post(f"/api/v1/cases/{charged.case_id}/reduction-requests", json={})
    assert response.status_code == 404 and response.json["code"] == "not_found"
