"""DUR API: a pharmacist records how an alert was resolved."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from lienrx.core.api import ApiBlueprint
from lienrx.core.security import PHARMACIST, require_roles
from lienrx.dur import services
from lienrx.dur.schemas import DurAlertSchema, ResolveSchema

blp = ApiBlueprint("dur_api", __name__, description="Drug-use review alerts")


@blp.route("/dur-alerts/<int:alert_id>/resolve", methods=["POST"])
@require_roles(PHARMACIST)
@blp.arguments(ResolveSchema)
@blp.response(200, DurAlertSchema)
def resolve_alert(body: dict[str, Any], alert_id: int) -> Any:
    """Record a pharmacist's resolution of a DUR alert."""
    alert = services.resolve(alert_id, current_user, body["resolution"])
    return alert
