"""The work queue: what is waiting for the pharmacy and the billing desk today."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user

from lienrx.cases import queries as case_queries
from lienrx.cases import rules as case_rules
from lienrx.compounding import queries as batch_queries
from lienrx.core import clock
from lienrx.core.security import ADMIN, BILLING, PHARMACIST, STAFF, TECHNICIAN, require_roles
from lienrx.dispensing import queries as dispensing_queries
from lienrx.dur import queries as dur_queries
from lienrx.inventory import queries as inventory_queries
from lienrx.pdmp import queries as pdmp_queries
from lienrx.pdmp import services as pdmp
from lienrx.pdmp.profiles import profile_for
from lienrx.staff.blueprint import bp

PHARMACY = (PHARMACIST, TECHNICIAN)


@bp.route("/")
@require_roles(*STAFF)
def queue() -> Any:
    """Show the work queue: counts and links for the signed-in role."""
    role = current_user.role
    sections: dict[str, Any] = {}
    if role in PHARMACY or role == ADMIN:
        due = dispensing_queries.prescriptions_by_due_date(current_user, clock.today())
        sections.update(ready=due.ready, soon=due.soon, due=due,
                        batches=batch_queries.pending_batches(), alerts=dur_queries.open_alerts(),
                        biennial=inventory_queries.biennial_status(),
                        variances=inventory_queries.lots_with_variance(),
                        losses=inventory_queries.loss_notices(clock.today()))
    home_profile = profile_for(pdmp.home_state())
    if role in (PHARMACIST, ADMIN) and home_profile is not None:
        sections.update(pdmp_missing=pdmp_queries.days_without_submitted_report(
            home_profile, clock.today()), pdmp_rejected=pdmp_queries.rejected_reports())
    if role in (BILLING, ADMIN):
        sections.update(intake=case_queries.cases_with_status(case_rules.INTAKE),
                        counts=case_queries.status_counts())
    return render_template("staff/queue.html", today=clock.today(), **sections)
