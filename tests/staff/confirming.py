"""Posting a form that asks for confirmation: the first post shows the effects and changes
nothing, the second (``confirmed``) does it."""

from typing import Any

from tests.staff.conftest import text


def asked(client: Any, path: str, data: dict[str, Any]) -> str:
    """Post the first step; the confirmation's text (it must be one)."""
    response = client.post(path, data=data)
    assert response.status_code == 200, text(response)
    shown = text(response)
    assert "What happens when you confirm" in shown and "Nothing has changed yet." in shown
    return shown


def confirmed(client: Any, path: str, data: dict[str, Any]) -> Any:
    """Post both steps; the response to the confirming one."""
    asked(client, path, data)
    return client.post(path, data={**data, "confirmed": "yes"})
