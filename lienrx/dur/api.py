"""DUR API: a pharmacist records how an alert was resolved (NCPDP codes, SPEC §7.3)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import PHARMACIST, require_roles
from lienrx.dur import services
from lienrx.dur.schemas import DurAlertSchema, ResolutionSchema

blp = ApiBlueprint("dur_api", __name__, description="Drug-use review alerts")


@blp.route("/dur-alerts/<int:alert_id>/resolve", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(ResolutionSchema)
@blp.response(200, DurAlertSchema)
def resolve_alert(body: dict[str, Any], alert_id: int) -> Any:
    """Record a pharmacist's resolution of a DUR alert: reason, professional service and
    result (a high alert needs them; M0 also who was contacted and when), and a note."""
    return services.resolve(alert_id, current_user, services.Resolution.from_loaded(body))
