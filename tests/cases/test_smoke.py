def test_billing_sees_case_with_zero_balance(api_as, world):
    billing = api_as("billing")
    response = billing.get(f"/api/v1/cases/{world.case_id}")
    assert response.status_code == 200
    assert response.json["status"] == "active"
    assert response.json["balance"] == "0.00"
