"""The portal's reduction-request form: files a pending request; bad input shows errors."""

from __future__ import annotations

import re

from lienrx.auth.models import User
from lienrx.extensions import db
from lienrx.reduction_requests import services
from tests import factories
from tests.portal.conftest import csrf_token


def submit(counsel, case_id, **fields):
    token = csrf_token(counsel.get(f"/portal/cases/{case_id}").get_data(as_text=True))
    data = {"csrf_token": token, "method": "amount", "value": "25.00",
            "reason": "Policy limits reached", **fields}
    return counsel.post(f"/portal/cases/{case_id}/reduction-requests", data=data)


def test_reduction_form_files_a_pending_request_with_an_acknowledgment_number(counsel, book):
    response = submit(counsel, book.case_id)
    assert response.status_code == 302
    page = counsel.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r"Reduction request (RR-\d{4}-\d{6}) received", page).group(1)
    assert f"<strong>{number}</strong>: $25.00" in page and "badge-pending" in page


def test_reduction_form_takes_a_percent(counsel, book):
    submit(counsel, book.case_id, method="percent", value="15")
    page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert ": 15%" in page


def test_reduction_form_errors_are_shown_on_their_fields(counsel, book):
    for fields, message in (({"value": "abc"}, "dollars and cents"),
                            ({"value": "500.00"}, "more than the lien balance"),
                            ({"method": "percent", "value": "150"}, "at most 100"),
                            ({"reason": ""}, "required"),
                            ({"method": "final"}, "Reduce by: Choose one of")):
        response = submit(counsel, book.case_id, **fields)
        assert response.status_code == 422, fields
        html = response.get_data(as_text=True)
        assert 'class="field-error"' in html and message in html, (fields, message)
    assert counsel.get(f"/portal/cases/{book.case_id}").get_data(
        as_text=True).count("badge-pending") == 0


def test_attorney_sees_billings_answer(app, counsel, book):
    submit(counsel, book.case_id, value="30.00")
    with app.app_context():
        clerk = factories.user("billing")
        pending = services.list_requests(clerk)
        services.answer_request(clerk, pending[0].id, decision="counter", value="20.00",
                                note="Twenty is what we can do.")
        db.session.commit()
    page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert "badge-countered" in page and "the pharmacy offers $20.00" in page
    assert "Twenty is what we can do." in page


def test_accepted_request_lowers_the_balance_on_the_page(app, counsel, book):
    submit(counsel, book.case_id, value="5.00")
    with app.app_context():
        clerk = factories.user("billing")
        services.answer_request(clerk, services.list_requests(clerk)[0].id, decision="accept")
        db.session.commit()
        assert db.session.get(User, clerk.id) is not None
    page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert 'class="balance">$100.00' in page and "badge-accepted" in page


def test_reduction_form_errors_are_summarised_by_label_through_the_shared_path(counsel, book):
    response = submit(counsel, book.case_id, method="final", value="", reason="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "data-form-errors" in html and "Please correct 3 errors." in html
    for anchor, label in (("f-method", "Reduce by"), ("f-value", "Amount or percent"),
                          ("f-reason", "Reason")):
        assert f'<a href="#{anchor}">{label}: ' in html, label
        assert f'id="{anchor}-error"' in html, anchor


def test_reduction_amount_typed_with_a_dollar_sign_is_filed(counsel, book):
    assert submit(counsel, book.case_id, value="$25.00").status_code == 302
    page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert ": $25.00" in page and "badge-pending" in page


def countered_on_the_page(app, counsel, book, ask="30.00", offer="20.00"):
    """A request filed from the portal and countered by billing; its id."""
    submit(counsel, book.case_id, value=ask)
    with app.app_context():
        clerk = factories.user("billing")
        request = services.list_requests(clerk)[0]
        services.answer_request(clerk, request.id, decision="counter", value=offer)
        db.session.commit()
        return request.id


def respond_on_the_page(counsel, case_id, request_id, **fields):
    token = csrf_token(counsel.get(f"/portal/cases/{case_id}").get_data(as_text=True))
    data = {"csrf_token": token, **{f"rr{request_id}-{k}": v for k, v in fields.items()}}
    return counsel.post(f"/portal/cases/{case_id}/reduction-requests/{request_id}/respond",
                        data=data)


def test_attorney_accepts_a_counter_from_the_case_page(app, counsel, book):
    request_id = countered_on_the_page(app, counsel, book)
    page = counsel.get(f"/portal/cases/{book.case_id}").get_data(as_text=True)
    assert "Accept counter of $20.00" in page and "Counter amount" in page
    response = respond_on_the_page(counsel, book.case_id, request_id, action="accept")
    assert response.status_code == 302
    page = counsel.get(response.headers["Location"]).get_data(as_text=True)
    assert "accepted; the reduction is posted" in page and "badge-accepted" in page
    assert "accepted, posting $20.00" in page and "Accept counter" not in page


def test_attorney_counters_from_the_case_page_and_sees_the_thread(app, counsel, book):
    request_id = countered_on_the_page(app, counsel, book)
    response = respond_on_the_page(counsel, book.case_id, request_id, action="counter",
                                   amount="$25.00", note="Meet us at 25.")
    assert response.status_code == 302
    page = " ".join(re.sub(r"<[^>]+>", " ", counsel.get(response.headers["Location"])
                           .get_data(as_text=True)).split())
    assert "billing will answer it here" in page
    assert re.search(r"Firm \(.+?\) asked for \$30\.00 · .+? "
                     r"Billing \(.+?\) countered with \$20\.00 · .+? "
                     r"Firm \(.+?\) countered with \$25\.00 · .+? · “Meet us at 25\.”", page)


def test_respond_form_errors_are_shown_next_to_the_amount(app, counsel, book):
    request_id = countered_on_the_page(app, counsel, book)
    for amount, message in (("", "A counter names the dollars"), ("abc", "dollars and cents"),
                            ("20.00", "differs from the offer on the table"),
                            ("9999.00", "more than the lien balance")):
        response = respond_on_the_page(counsel, book.case_id, request_id, action="counter",
                                       amount=amount)
        assert response.status_code == 422, amount
        error = re.search(rf'id="f-rr{request_id}-amount-error">([^<]+)<',
                          response.get_data(as_text=True))
        assert error and message in error.group(1), (amount, error)


def test_another_cases_request_is_404_on_the_respond_form(app, counsel, book):
    request_id = countered_on_the_page(app, counsel, book)
    with app.app_context():
        other = factories.case(db.session.get(factories.LawFirm, book.firm_id))
        db.session.commit()
        other_id = other.id
    response = respond_on_the_page(counsel, other_id, request_id, action="accept")
    assert response.status_code == 404
