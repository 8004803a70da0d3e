"""NCPDP DUR codes as this pharmacy records a resolution (SPEC §7.3), as data.

Codes and meanings from the NCPDP Telecommunication Standard D.0 DUR/PPS fields: 439-E4
Reason for Service, 440-E5 Professional Service, 441-E6 Result of Service. SPEC §7.3 names the
ones used here; ID, SX and DR are three more 439-E4 codes that name this table's rules
(DR, dose range conflict: a quantity per day that disagrees with the structured dose).
"""

from __future__ import annotations

from datetime import datetime

from lienrx.core import clock

REASONS = {
    "TD": "therapeutic duplication",
    "ID": "ingredient duplication",
    "DD": "drug–drug interaction",
    "HD": "high dose",
    "DR": "dose range conflict",
    "DA": "drug–allergy",
    "SX": "drug–gender",
    "ER": "early refill",
}
PROFESSIONAL_SERVICES = {
    "M0": "prescriber consulted",
    "P0": "patient consulted",
    "R0": "pharmacist reviewed",
}
RESULTS = {
    "1A": "filled, false positive",
    "1B": "filled as is",
    "1G": "filled with prescriber approval",
    "2A": "not filled",
}
# A professional service that is a conversation: who was contacted and when are recorded.
NEEDS_CONTACT = frozenset({"M0"})
# Results that say the prescription was not filled: they cannot go with a dispense.
NOT_FILLED = frozenset({"2A"})
# The reason code each alert kind stands for (offered first when resolving it).
KIND_REASONS = {"duplicate_therapy": "TD", "interaction": "DD", "cns_depressant_count": "DD",
                "max_daily_dose": "HD", "allergy": "DA", "quantity_mismatch": "DR"}


def choices(codes: dict[str, str]) -> list[tuple[str, str]]:
    """(code, "Meaning (code)") pairs for a select field."""
    return [(code, f"{text[:1].upper()}{text[1:]} ({code})") for code, text in codes.items()]


def in_words(*, reason: str | None, professional_service: str | None, result: str | None,
             contacted_name: str | None = None, contacted_at: datetime | None = None,
             note: str | None = None) -> str:
    """A resolution as a person reads it: "Therapeutic duplication (TD). Prescriber consulted
    (M0): filled with prescriber approval (1G) — Dr X, 2026-11-30 10:15. Note: …"."""
    parts = []
    if reason and professional_service and result:
        service = PROFESSIONAL_SERVICES.get(professional_service, professional_service)
        coded = (f"{service[:1].upper()}{service[1:]} ({professional_service}): "
                 f"{RESULTS.get(result, result)} ({result})")
        if contacted_name and contacted_at:
            local = contacted_at.astimezone(clock.timezone())
            coded += f" — {contacted_name}, {local.strftime('%Y-%m-%d %H:%M')}"
        why = REASONS.get(reason, reason)
        parts += [f"{why[:1].upper()}{why[1:]} ({reason}).", f"{coded}."]
    if note:
        parts.append(f"Note: {note}" if parts else note)
    return " ".join(parts)
