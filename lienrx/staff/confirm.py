"""The second step before a consequential action: the first POST of a form shows what the
action will do and changes nothing; the same fields posted again with ``confirmed`` do it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import render_template, request

from lienrx.core import forms

FIELD = "confirmed"
NEVER_CARRIED = ("csrf_token", FIELD, "password", "totp")  # secrets are typed on the step


def confirmed() -> bool:
    """Whether the posted form is the confirming second step."""
    return request.form.get(FIELD) == "yes"


def carried(skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The posted fields to post again from the confirmation, secrets left out."""
    left_out = {*NEVER_CARRIED, *skip}
    return [(name, value) for name, value in request.form.items(multi=True)
            if name not in left_out]


def page(*, title: str, effects: list[str], action: str, back: str, button: str,
         form: forms.Submission | None = None, template: str = "staff/confirm.html",
         **context: Any) -> Any:
    """Render the confirmation: what will happen (``effects``, in words and money), the
    posted fields carried as hidden inputs, a confirm button and a way back."""
    form = form or forms.blank()
    return render_template(template, title=title, effects=effects, action=action, back=back,
                           button=button, carried=carried(), form=form, **context), form.status
