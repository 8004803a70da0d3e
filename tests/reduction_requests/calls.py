"""The reduction-request API calls the tests make: file, answer, respond."""

from __future__ import annotations

from typing import Any


def file(client: Any, case_id: int, **body: Any) -> Any:
    payload = {"method": "amount", "value": "250.00", "reason": "Policy limits", **body}
    return client.post(f"/api/v1/cases/{case_id}/reduction-requests", json=payload)


def answer(billing: Any, request_id: int, **body: Any) -> Any:
    return billing.post(f"/api/v1/reduction-requests/{request_id}/answer", json=body)


def respond(counsel: Any, request_id: int, **body: Any) -> Any:
    return counsel.post(f"/api/v1/reduction-requests/{request_id}/respond", json=body)
