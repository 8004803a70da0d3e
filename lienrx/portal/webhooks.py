"""The attorney portal's webhooks page: the firm's subscriptions, add one (its secret shown
once), delete one, and the recent delivery log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lienrx.core import clock, forms, unit_of_work
from lienrx.core.security import ATTORNEY, require_roles
from lienrx.webhooks import rules, services
from lienrx.webhooks.schemas import WebhookCreateSchema

bp = Blueprint("portal_webhooks", __name__, url_prefix="/portal")


def _actor() -> Any:
    return current_user._get_current_object()


def _page(form: forms.Submission | None = None, created: Any = None,
          secret: str | None = None, chosen: list[str] | None = None) -> Any:
    actor = _actor()
    zone = clock.timezone()
    log = [{"at": d.attempted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
            "event": rules.EVENTS.get(d.event, d.event), "url": s.url, "attempt": d.attempt,
            "outcome": rules.OUTCOMES[d.outcome], "status_code": d.status_code}
           for d, s in services.recent_deliveries(actor)]
    return render_template(
        "portal/webhooks.html", subscriptions=services.list_subscriptions(actor),
        deliveries=log, events=rules.EVENTS, form=form, created=created, secret=secret,
        chosen=chosen if chosen is not None else []), form.status if form else 200


@bp.route("/webhooks", methods=["GET"])
@require_roles(ATTORNEY)
def page() -> Any:
    """The firm's webhooks and their recent deliveries."""
    return _page()


@bp.route("/webhooks", methods=["POST"])
@require_roles(ATTORNEY)
def add() -> Any:
    """Register a webhook for the firm (CSRF-checked form); its secret is shown this once."""
    chosen = [e for e in request.form.getlist("events") if e in rules.EVENTS]
    data = {**forms.read(("url",)), "events": request.form.getlist("events")}
    form = forms.Submission.load(WebhookCreateSchema(), data)
    made = form.call(services.create, _actor())
    if made is None:
        return _page(form, chosen=chosen)
    subscription, secret = made
    return _page(created=subscription, secret=secret)


@bp.route("/webhooks/<int:webhook_id>/delete", methods=["POST"])
@require_roles(ATTORNEY)
def delete(webhook_id: int) -> Any:
    """Stop deliveries to one of the firm's webhooks (CSRF-checked form)."""
    unit_of_work.attempt(services.delete, _actor(), webhook_id)
    flash("Webhook deleted: nothing more is sent to it.", "info")
    return redirect(url_for(".page"))
