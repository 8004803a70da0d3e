"""The portal's firm summary: the firm's balance, cases by status and aging chart, and the
CSV export of its cases."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask_login import current_user

from lienrx.core.security import ATTORNEY, require_roles
from lienrx.portal.views import bp
from lienrx.reports.charts import bucket_bars
from lienrx.reports.firm import firm_cases_csv, firm_summary
from lienrx.reports.rules import BUCKET_NAMES


@bp.route("/summary")
@require_roles(ATTORNEY)
def summary() -> Any:
    """Show the firm's total balance, its cases by status and its balance by age."""
    found = firm_summary(current_user)
    chart = bucket_bars(BUCKET_NAMES, [found.aging.buckets[n] for n in BUCKET_NAMES])
    return render_template("portal/summary.html", summary=found, chart=chart,
                           buckets=BUCKET_NAMES)


@bp.route("/cases.csv")
@require_roles(ATTORNEY)
def cases_csv() -> Any:
    """Send the firm's cases as CSV (clients named only under a HIPAA authorization)."""
    body = firm_cases_csv(current_user)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="cases.csv"'})
