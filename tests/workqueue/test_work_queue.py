"""The staged work queue: each stage's rule, items leaving when nobody needs to act, counts,
search, sorting, paging, who sees which stage, and the audited read of the page and its
refreshed list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lienrx.audit.models import AuditEvent
from lienrx.case_documents import services as case_documents
from lienrx.core import clock, crypto
from lienrx.core.errors import NotFound
from lienrx.extensions import db
from lienrx.prescribing.models import Prescription
from lienrx.reduction_requests import services as reduction_requests
from lienrx.settlement import payoff
from lienrx.settlement import services as settlement
from lienrx.workqueue import rules
from lienrx.workqueue.queries import QUERIES, Filters, rx_number, work_queue
from tests import factories
from tests.sql import sent
from tests.staff.conftest import text
from tests.workqueue import flow


def where(actor, lien: flow.Lien) -> set[str]:
    """The stages the lien (its case, prescription or batch) is in."""
    refs = {f"Case {lien.case_id}"}
    if lien.rx_id:
        refs.add(rx_number(lien.rx_id))
    found = work_queue(actor, Filters())
    batch = {f"Batch {b.ref[6:]}" for b in found.items if b.stage == "verification"}
    return {item.stage for item in found.items if item.ref in refs
            or (lien.batch_id and item.ref in batch and item.args["record_id"] == lien.batch_id)}


def counts(actor, **filters) -> dict[str, int]:
    return {entry.stage.key: entry.count for entry in work_queue(actor, Filters(**filters)).stages}


def test_every_stage_has_its_query_and_a_rule_in_words():
    assert [stage.key for stage in rules.STAGES] == list(QUERIES)
    assert all(stage.holds and stage.roles for stage in rules.STAGES)


def test_an_item_moves_through_every_stage(ctx):
    pharmacist = factories.user("pharmacist")
    lien = flow.open_case()
    assert where(pharmacist, lien) == {"intake"}
    before = counts(pharmacist)
    for step, stage in flow.STEPS:
        step(lien)
        assert where(pharmacist, lien) == {stage}, step.__name__
        after = counts(pharmacist)
        assert after[stage] == before[stage] + 1, step.__name__
        before = after
    assert counts(pharmacist)["ready"] == 0  # the next refill is due in 30 days


def test_agreements_on_file_wait_for_billing_to_record_them(ctx):
    billing = factories.user("billing")
    lien = flow.open_case()
    case_documents.upload(billing, lien.case_id, kind="lien_agreement",
                          file=b"%PDF-1.4\n%%EOF\n")
    assert where(billing, lien) == {"agreements"}
    flow.sign_agreement(lien)
    assert where(billing, lien) == set()  # the pharmacy's entry stage is not billing's


def test_expired_prescriptions_leave_the_queue(ctx):
    pharmacist = factories.user("pharmacist")
    lien = flow.open_case()
    for step, _ in flow.STEPS[:2]:
        step(lien)
    assert where(pharmacist, lien) == {"dur"}
    clock.freeze(clock.utcnow() + timedelta(days=400))  # past the prescription's expiry
    try:
        assert where(pharmacist, lien) == set()
    finally:
        clock.freeze(None)


def test_exhausted_prescriptions_leave_the_queue(ctx):
    pharmacist = factories.user("pharmacist")
    lien = flow.open_case()
    for step, _ in flow.STEPS[:5]:
        step(lien)
    assert where(pharmacist, lien) == {"ready"}
    rx = db.session.get(Prescription, lien.rx_id)
    rx.quantity_forfeited = rx.quantity * (1 + rx.refills_authorized)  # nothing left to fill
    db.session.flush()
    assert where(pharmacist, lien) == set()


def test_resolved_alerts_leave_dur_review(ctx):
    pharmacist = factories.user("pharmacist")
    lien = flow.open_case()
    for step, _ in flow.STEPS[:2]:
        step(lien)
    (item,) = [i for i in work_queue(pharmacist, Filters(stage="dur")).items]
    assert item.urgent and "1 open alert(s), 1 high" in item.detail
    flow.resolve_alerts(lien)
    assert work_queue(pharmacist, Filters(stage="dur")).items.total == 0


def test_closed_cases_leave_the_billing_queue(ctx):
    billing = factories.user("billing")
    case = factories.case(factories.law_firm())
    factories.ledger_charge(case.id, 50_000)
    reduction_requests.file_request(billing, case.id, method="amount", value=1_000,
                                    reason="policy limits")
    found = {(i.stage, i.ref) for i in work_queue(billing, Filters()).items}
    assert ("reductions", f"Case {case.id}") in found
    factories.settle(case.id)
    found = {(i.stage, i.ref) for i in work_queue(billing, Filters()).items}
    assert ("settlements", f"Case {case.id}") in found
    factories.pay_in_full(case.id)
    found = {(i.stage, i.ref) for i in work_queue(billing, Filters()).items}
    assert ("closing", f"Case {case.id}") in found
    assert ("settlements", f"Case {case.id}") not in found
    settlement.close_case(billing, case.id, outcome="paid")
    found = {i.ref for i in work_queue(billing, Filters()).items}
    assert f"Case {case.id}" not in found  # nor its pending reduction request


def test_counts_per_stage_match_the_lists(ctx):
    pharmacist = factories.user("pharmacist")
    for i in range(3):
        lien = flow.open_case(f"Count{i}")
        for step, _ in flow.STEPS[:i + 1]:
            step(lien)
    whole = work_queue(pharmacist, Filters())
    for entry in whole.stages:
        listed = work_queue(pharmacist, Filters(stage=entry.stage.key)).items
        assert listed.total == entry.count == sum(
            1 for item in whole.items if item.stage == entry.stage.key)
    assert whole.total == whole.items.total


def test_search_by_rx_number_and_file_number(ctx):
    pharmacist = factories.user("pharmacist")
    found_lien = flow.open_case("Vasquez")
    for step, _ in flow.STEPS[:2]:
        step(found_lien)
    other = flow.open_case("Lindqvist")
    flow.sign_agreement(other)

    def refs(q: str) -> set[str]:
        return {item.ref for item in work_queue(pharmacist, Filters(q=q)).items}

    rx = rx_number(found_lien.rx_id)
    assert refs(rx) == {rx} == refs(rx.lower()) == refs(f"RX{found_lien.rx_id}")
    assert rx in refs(str(found_lien.rx_id))  # bare digits may also be in a file number
    assert refs(found_lien.file_number.lower()) == {rx}
    assert refs("vasq") == {rx} and refs("Vasquez, Adaeze") == {rx}
    assert refs("lindq") == {f"Case {other.case_id}"}
    assert counts(pharmacist, q="vasq") == {**dict.fromkeys(counts(pharmacist), 0) | {"dur": 1}}


def test_oldest_first_by_default_and_by_due_date_on_request(ctx):
    pharmacist = factories.user("pharmacist")
    first = flow.open_case("Early")
    clock.freeze(clock.utcnow() + timedelta(days=2))
    try:
        second = flow.open_case("Later")
        oldest = [i.ref for i in work_queue(pharmacist, Filters(stage="intake")).items]
        assert oldest.index(f"Case {first.case_id}") < oldest.index(f"Case {second.case_id}")
        newest = [i.ref for i in work_queue(pharmacist, Filters(stage="intake",
                                                                 sort="newest")).items]
        assert newest.index(f"Case {second.case_id}") < newest.index(f"Case {first.case_id}")
    finally:
        clock.freeze(None)


def test_each_role_sees_its_own_stages_first():
    keys = {role: [stage.key for stage in rules.stages_for(role)]
            for role in ("pharmacist", "technician", "billing", "admin")}
    assert keys["pharmacist"][:7] == ["intake", "entry", "dur", "compounding", "verification",
                                      "ready", "dispensed"]
    assert keys["billing"] == ["agreements", "payoffs", "reductions", "settlements", "closing",
                              "intake"]
    assert keys["admin"] == ["pdmp"]
    assert "pdmp" not in keys["technician"] and "reductions" not in keys["pharmacist"]


def test_a_stage_the_role_does_not_see_is_not_found(ctx):
    with pytest.raises(NotFound):
        work_queue(factories.user("billing"), Filters(stage="dur"))


def test_the_page_and_its_refreshed_list_keep_the_place_and_audit_the_read(app, staff):
    with app.app_context():
        lien = flow.open_case("Brennan")
        for step, _ in flow.STEPS[:2]:
            step(lien)
        db.session.commit()
    rph = staff("pharmacist")
    page = rph.get("/staff/?stage=dur&q=brenn&sort=due")
    shown = text(page)
    assert page.status_code == 200 and "Adaeze Brennan" in shown
    assert re.search(r"DUR review 1 ", shown) and "Showing 1–1 of 1 items" in shown
    body = page.get_data(as_text=True)
    assert 'value="brenn"' in body and 'src="/static/queue.js"' in body
    assert 'data-refresh="/staff/queue/items"' in body and "<script>" not in body
    fragment = rph.get("/staff/queue/items?stage=dur&q=brenn&sort=due")
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "Adaeze Brennan" in text(fragment)
    refresh = re.search(r'href="([^"]+)" class="queue-refresh"',
                        fragment.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert refresh.startswith("/staff/?") and "q=brenn" in refresh and "stage=dur" in refresh
    with app.app_context():
        reads = db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.action == "work_queue.read",
            AuditEvent.actor_user_id == rph.user_id)).scalars().all()
        assert len(reads) == 2
        assert all("brenn" not in str(e.details) and e.details["searched"] for e in reads)


def test_the_refreshed_list_is_for_staff_only(app):
    from tests.portal.conftest import sign_in as portal_sign_in

    with app.app_context():
        attorney = factories.user("attorney", firm_id=factories.law_firm().id)
        db.session.commit()
        email = attorney.email
    client = portal_sign_in(app.test_client(), email)
    assert client.get("/staff/queue/items").status_code == 403
    assert app.test_client().get("/staff/queue/items").status_code in (302, 401)


def test_billing_sees_no_prescription_and_the_pharmacy_no_billing_case(ctx):
    lien = flow.open_case()
    for step, _ in flow.STEPS[:2]:
        step(lien)
    billing_items = work_queue(factories.user("billing"), Filters()).items
    assert all(item.rx is None for item in billing_items)
    case = factories.case(factories.law_firm())
    factories.ledger_charge(case.id, 10_000)
    factories.settle(case.id)
    pharmacy = {i.ref for i in work_queue(factories.user("technician"), Filters()).items}
    assert f"Case {case.id}" not in pharmacy


def test_a_payoff_the_firm_asked_for_and_a_later_fill_voided_waits_to_be_reissued(ctx):
    billing = factories.user("billing")
    firm = factories.law_firm()
    attorney = factories.user("attorney", firm_id=firm.id)
    case = factories.case(firm)
    factories.ledger_charge(case.id, 50_000)
    payoff.issue_statement(attorney, case.id)
    queued = {(i.stage, i.ref) for i in work_queue(billing, Filters()).items}
    assert ("payoffs", f"Case {case.id}") not in queued  # the firm's figure still holds
    factories.ledger_charge(case.id, 13_200)  # a fill after the statement voids it
    [item] = [i for i in work_queue(billing, Filters(stage="payoffs")).items]
    assert (item.ref, item.endpoint) == (f"Case {case.id}", "staff.settlement")
    assert "is void; issue a new one" in item.detail
    payoff.issue_statement(billing, case.id)  # billing sends the firm a new figure
    assert work_queue(billing, Filters(stage="payoffs")).items.total == 0


def test_a_voided_payoff_billing_issued_itself_is_not_queued(ctx):
    billing = factories.user("billing")
    case = factories.case(factories.law_firm())
    factories.ledger_charge(case.id, 50_000)
    payoff.issue_statement(billing, case.id)
    factories.ledger_charge(case.id, 13_200)
    assert work_queue(billing, Filters(stage="payoffs")).items.total == 0


def statements(run) -> int:
    """How many SQL statements ``run()`` sends."""
    return len(sent(run, db.engine))


def test_due_dates_are_read_in_the_same_statements_however_many_prescriptions(ctx):
    pharmacist = factories.user("pharmacist")

    def lien_in_use() -> None:
        lien = flow.open_case(f"Okafor {factories.n()}")
        for step, _ in flow.STEPS:
            step(lien)

    lien_in_use()
    few = statements(lambda: work_queue(pharmacist, Filters()))
    for _ in range(4):
        lien_in_use()
    due = [item.due for item in work_queue(pharmacist, Filters(stage="compounding")).items]
    assert statements(lambda: work_queue(pharmacist, Filters())) == few
    assert counts(pharmacist)["dispensed"] == 5 and counts(pharmacist)["ready"] == 0
    assert due == []  # each refill waits on its own fill of today, 30 days out


def test_only_the_shown_pages_patients_are_decrypted_unless_searching(ctx, monkeypatch):
    pharmacist = factories.user("pharmacist")
    for n in range(5):
        flow.open_case(f"Okafor {n}")
    decrypted: list[str] = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(token) or real(token))
    page = work_queue(pharmacist, Filters(stage="intake"), page_size=2)
    assert page.items.total == 5 and [item.patient for item in page.items] == [
        "Adaeze Okafor 0", "Adaeze Okafor 1"]
    assert len(decrypted) == 4  # first and last names of the two shown
    found = work_queue(pharmacist, Filters(stage="intake", q="okafor 4"), page_size=2)
    assert [item.patient for item in found.items] == ["Adaeze Okafor 4"]
