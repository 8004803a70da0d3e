"""SPEC §7.8: the reduction negotiation is a loop — request, counter, accept or counter again,
each step recorded; accepting posts the reduction (API.md second edition: `/respond`)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.outbox import rules as outbox_rules
from lienrx.outbox.models import OutboxMessage
from lienrx.settlement.models import Reduction
from tests.reduction_requests.calls import answer, file, respond


def countered(counsel, billing, case_id, ask="250.00", offer="150.00", **filed):
    """A request billing has countered; its id."""
    request_id = file(counsel, case_id, value=ask, **filed).json["id"]
    assert answer(billing, request_id, decision="counter", value=offer).status_code == 200
    return request_id


def ledger(client, case_id):
    return client.get(f"/api/v1/cases/{case_id}/ledger").json


def reductions(app, case_id):
    with app.app_context():
        return db.session.scalars(sa.select(Reduction.amount_cents)
                                  .where(Reduction.case_id == case_id)).all()


def test_attorney_accepting_a_counter_posts_the_reduction_once(app, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    response = respond(counsel, request_id, action="accept")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted" and response.json["reduction_id"]
    assert response.json["waiting_on"] is None
    again = respond(counsel, request_id, action="accept")
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    book = ledger(counsel, charged.case_id)
    assert book["balance"] == "850.00" and book["totals"]["reductions"] == "150.00"
    assert reductions(app, charged.case_id) == [15_000]


def test_attorney_counter_sends_the_request_back_to_billing(app, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    response = respond(counsel, request_id, action="counter", amount="200.00",
                       note="Meet us at 200.")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "pending" and body["waiting_on"] == "billing"
    assert body["counter_value"] is None and body["answered_at"] is None
    assert [r["id"] for r in billing.get("/api/v1/reduction-requests").json] == [request_id]
    assert ledger(counsel, charged.case_id)["balance"] == "1000.00"


def test_billing_accepts_the_attorneys_counter_through_answer(app, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00")
    response = answer(billing, request_id, decision="accept")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted"
    assert ledger(counsel, charged.case_id)["totals"]["reductions"] == "200.00"
    assert reductions(app, charged.case_id) == [20_000]


def test_billing_may_counter_the_attorneys_counter_and_the_loop_goes_on(app, counsel, billing,
                                                                        charged):
    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00")
    again = answer(billing, request_id, decision="counter", value="175.00")
    assert again.json["status"] == "countered" and again.json["counter_value"] == "175.00"
    assert respond(counsel, request_id, action="accept").json["status"] == "accepted"
    assert reductions(app, charged.case_id) == [17_500]


def test_each_step_is_kept_with_who_when_and_amount(app, counsel, billing, charged):
    before = datetime.now().astimezone()
    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00", note="Meet us at 200.")
    answer(billing, request_id, decision="accept", note="Agreed.")
    steps = counsel.get(f"/api/v1/reduction-requests/{request_id}").json["steps"]
    assert [(s["number"], s["side"], s["action"], s["amount"], s["user_id"], s["note"])
            for s in steps] == [
        (1, "attorney", "request", "250.00", counsel.user_id, None),
        (2, "billing", "counter", "150.00", billing.user_id, None),
        (3, "attorney", "counter", "200.00", counsel.user_id, "Meet us at 200."),
        (4, "billing", "accept", "200.00", billing.user_id, "Agreed."),
    ]
    times = [datetime.fromisoformat(s["at"]) for s in steps]
    assert times == sorted(times) and times[0] >= before.replace(microsecond=0)


def test_respond_on_a_pending_request_is_invalid_transition(counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    for action, amount in (("accept", None), ("counter", "100.00")):
        response = respond(counsel, request_id, action=action,
                           **({"amount": amount} if amount else {}))
        assert response.status_code == 409 and response.json["code"] == "invalid_transition"


def test_respond_on_a_declined_request_is_invalid_transition(counsel, billing, charged):
    request_id = file(counsel, charged.case_id).json["id"]
    answer(billing, request_id, decision="decline")
    response = respond(counsel, request_id, action="accept")
    assert response.status_code == 409 and response.json["code"] == "invalid_transition"


def test_billing_answering_a_request_waiting_on_the_attorney_is_invalid_transition(
        counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    response = answer(billing, request_id, decision="accept")
    assert response.status_code == 409 and response.json["code"] == "invalid_transition"


def test_respond_amount_is_422_when_missing_present_bad_too_large_or_the_offer(counsel,
                                                                             billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    bodies = [{"action": "counter"}, {"action": "accept", "amount": "150.00"},
              {"action": "counter", "amount": "abc"}, {"action": "counter", "amount": "0"},
              {"action": "counter", "amount": "-5.00"}, {"action": "counter", "amount": "1.234"},
              {"action": "counter", "amount": "1000.01"},
              {"action": "counter", "amount": "150.00"}]
    for body in bodies:
        response = respond(counsel, request_id, **body)
        assert response.status_code == 422, body
        assert list(response.json["errors"]) == ["amount"], (body, response.json)
    assert counsel.get(f"/api/v1/reduction-requests/{request_id}").json["status"] == "countered"


def test_nothing_defaults_to_accept(counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    for body in ({}, {"action": "decline"}, {"amount": "150.00"}):
        response = respond(counsel, request_id, **body)
        assert response.status_code == 422 and "action" in response.json["errors"], body
    assert counsel.get(f"/api/v1/reduction-requests/{request_id}").json["status"] == "countered"


def test_another_firms_request_is_404_on_respond(api_as, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    response = respond(api_as("attorney"), request_id, action="accept")
    assert response.status_code == 404 and response.json["code"] == "not_found"


def test_only_an_attorney_responds(counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    response = respond(billing, request_id, action="accept")
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_an_attorneys_counter_on_a_percent_request_is_dollars(app, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id, method="percent", ask="20",
                           offer="15")
    # 15 % of $1,000.00 is the offer on the table: countering with it is accepting
    same = respond(counsel, request_id, action="counter", amount="150.00")
    assert same.status_code == 422 and "amount" in same.json["errors"]
    moved = respond(counsel, request_id, action="counter", amount="180.00").json
    assert [(s["action"], s["amount"], s["percent"]) for s in moved["steps"]] == [
        ("request", None, "20"), ("counter", None, "15"), ("counter", "180.00", None)]
    assert moved["value"] == "20" and moved["method"] == "percent"
    answer(billing, request_id, decision="accept")
    assert reductions(app, charged.case_id) == [18_000]


def test_billings_counter_equal_to_the_attorneys_counter_is_422(counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00")
    response = answer(billing, request_id, decision="counter", value="200.00")
    assert response.status_code == 422 and "value" in response.json["errors"]


def test_each_billing_answer_is_emailed_to_the_firm(app, counsel, billing, charged):
    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00")
    answer(billing, request_id, decision="accept")
    with app.app_context():
        events = db.session.scalars(sa.select(OutboxMessage.payload)).all()
    answered = [e for e in events if e["event"] == outbox_rules.REDUCTION_ANSWERED
                and e["user_id"] == counsel.user_id]
    assert [e["step"] for e in answered] == [2, 4]


def test_responding_is_audited(app, counsel, billing, charged):
    from lienrx.audit.models import AuditEvent

    request_id = countered(counsel, billing, charged.case_id)
    respond(counsel, request_id, action="counter", amount="200.00")
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.action == "reduction_request.responded")).all()
    assert details == [{"case_id": charged.case_id, "action": "counter",
                        "reduction_id": None}]


@pytest.mark.parametrize("contenders", [2, 4])
def test_two_concurrent_accepts_post_one_reduction(app, counsel, billing, charged, contenders):
    """Tabs (or a double submit) accept the same counter at once, each on its own connection:
    the case and request row locks (PostgreSQL) or the write lock (SQLite) let one post."""
    request_id = countered(counsel, billing, charged.case_id)
    barrier = threading.Barrier(contenders)
    results: list[tuple[int, str | None]] = []
    guard = threading.Lock()

    def accept():
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/reduction-requests/{request_id}/respond",
                               json={"action": "accept"},
                               headers={"Authorization": f"Bearer {counsel.token}"})
        with guard:
            results.append((response.status_code, (response.json or {}).get("code")))

    threads = [threading.Thread(target=accept) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [(200, None)] + [(409, "invalid_transition")] * (contenders - 1)
    assert reductions(app, charged.case_id) == [15_000]
