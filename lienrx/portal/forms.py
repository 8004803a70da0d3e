"""Portal forms: Flask-WTF supplies the CSRF token; the API's schemas validate the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField

from lienrx.reduction_requests import rules


class ActionForm(FlaskForm):
    """A button that changes something (request a payoff, mark read): the CSRF token only."""


class ReductionRequestForm(FlaskForm):
    """Ask for a reduction by an amount or a percent, with a reason."""

    method = RadioField("Reduce by", choices=[SelectChoice("amount", "An amount in dollars"),
                                              SelectChoice("percent", "A percent of the balance")],
                        default="amount")
    value = StringField("Amount or percent", description='e.g. "500.00" or "15"')
    reason = TextAreaField("Reason", description=f"Up to {rules.REASON_MAX} characters.")
