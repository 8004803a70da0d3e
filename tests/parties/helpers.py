"""Helpers for the patient tests: a registration body and PATCH over an ApiClient."""

from typing import Any

PATIENT = {"first_name": "Jordan", "last_name": "Rivera", "date_of_birth": "1985-03-14",
           "phone": "615-555-0199", "email": "jordan@example.test", "address": "1 Elm St"}


def patch(api: Any, path: str, json: Any) -> Any:
    """PATCH ``json`` as the ApiClient's user."""
    return api.client.patch(path, json=json, headers={"Authorization": f"Bearer {api.token}"})
