"""The one form path: labels from the schema, typed money, errors keyed by input name."""

import marshmallow as ma
import pytest

from lienrx.cases.schemas import CaseCreateSchema
from lienrx.core import forms
from lienrx.reduction_requests.schemas import ReductionRequestAnswerSchema
from lienrx.settlement.schemas import PaymentCreateSchema


def test_a_field_is_named_by_its_schema_label():
    assert forms.label_for(CaseCreateSchema(), "date_of_injury") == "Date of injury"


def test_a_nested_row_field_is_named_by_row_and_label():
    schema = CaseCreateSchema()
    assert forms.label_for(schema, "diagnoses.0.icd10") == "Diagnosis 1 ICD-10 code"
    assert forms.label_for(schema, "diagnoses.2") == "Diagnosis 3"
    assert forms.label_for(schema, "diagnoses") == "Diagnoses"


def test_a_field_without_a_label_is_named_in_words_not_by_its_id():
    assert forms.label_for(None, "date_of_birth") == "Date of birth"
    assert "_" not in forms.label_for(CaseCreateSchema(), "unknown_field_name")


@pytest.mark.parametrize(("typed", "plain"), [
    ("$25,000.00", "25000.00"), ("$ 1 250", "1250"), ("-$5.00", "-5.00"), ("185.50", "185.50"),
    ("abc", "abc"), ("$12x", "$12x"), ("1,2.3.4", "1,2.3.4"),
])
def test_typed_money_is_made_plain_and_other_text_left_for_the_schema(typed, plain):
    assert forms.plain_money(typed) == plain


def test_only_money_fields_lose_their_dollar_signs_and_commas():
    data = forms.typed_money(PaymentCreateSchema(), {"amount": "$25,000.00",
                                                     "reference": "CHK 1,234"})
    assert data == {"amount": "25000.00", "reference": "CHK 1,234"}
    assert forms.typed_money(ReductionRequestAnswerSchema(),
                             {"value": "$1,000"})["value"] == "1000"


def test_the_api_money_field_still_refuses_dollar_signs():
    with pytest.raises(ma.ValidationError):
        PaymentCreateSchema().load({"amount": "$25,000.00", "received_on": "2024-01-02",
                                    "reference": "x"})
    assert PaymentCreateSchema().load({"amount": "25000.00", "received_on": "2024-01-02",
                                       "reference": "x"})["amount"] == 2_500_000


def test_every_error_of_a_form_is_kept_and_named_by_label(app):
    with app.test_request_context("/", method="POST", data={}):
        form = forms.Submission.load(PaymentCreateSchema(),
                                     {"amount": "12.345", "received_on": "soon"},
                                     prefix="pay-")
    assert set(form.errors) == {"pay-amount", "pay-received_on", "pay-reference"}
    texts = [message for _, message in form.messages()]
    assert [t.split(":")[0] for t in texts] == ["Amount", "Received on",
                                                "Check or wire reference"]
    assert not any("received_on" in t or "pay-" in t for t in texts)
