"""The work queue's stages as data: what each holds, who sees it, and in what order.

An item sits in the stage whose condition it meets and leaves when it no longer needs anyone:
a prescription expired, exhausted or cancelled, a case closed, an alert resolved, a batch
verified. Each stage's condition is a query of the same name in ``workqueue.queries``.
Who sees a stage follows who may open what it lists (minimum necessary: billing does not see
the pharmacy's patients' prescriptions, the pharmacy does not see the billing desk's cases).
"""

from __future__ import annotations

from dataclasses import dataclass

from lienrx.core.security import ADMIN, BILLING, PHARMACIST, TECHNICIAN

PHARMACY, BILLING_DESK, COMPLIANCE = "pharmacy", "billing", "compliance"
GROUP_TITLES = {PHARMACY: "Pharmacy", BILLING_DESK: "Billing", COMPLIANCE: "Compliance"}
PHARMACY_STAFF = frozenset({PHARMACIST, TECHNICIAN})


@dataclass(frozen=True)
class Stage:
    """One stage of the queue: its key (in URLs), title, group, who sees it, and what it
    holds in words (shown on the page)."""

    key: str
    title: str
    group: str
    roles: frozenset[str]
    holds: str


STAGES: tuple[Stage, ...] = (
    Stage("intake", "Intake", PHARMACY, PHARMACY_STAFF | {BILLING},
          "Cases in intake with no lien agreement in force and none on file."),
    Stage("entry", "Prescription entry", PHARMACY, PHARMACY_STAFF,
          "Cases with an agreement in force and no prescription entered yet."),
    Stage("dur", "DUR review", PHARMACY, PHARMACY_STAFF,
          "Prescriptions in use with a DUR alert no pharmacist has resolved."),
    Stage("compounding", "Compounding", PHARMACY, PHARMACY_STAFF,
          "Compounded prescriptions due within 7 days with no batch to fill from or "
          "waiting for verification."),
    Stage("verification", "Verification", PHARMACY, PHARMACY_STAFF,
          "Batches made and waiting for a pharmacist's verification."),
    Stage("ready", "Ready to dispense", PHARMACY, PHARMACY_STAFF,
          "Prescriptions due today with no open alert and stock to fill from."),
    Stage("dispensed", "Dispensed today", PHARMACY, PHARMACY_STAFF,
          "Fills dispensed today and not reversed."),
    Stage("agreements", "Agreements to record", BILLING_DESK, frozenset({BILLING}),
          "Cases in intake whose signed lien agreement is on file but not recorded."),
    Stage("payoffs", "Payoff statements to reissue", BILLING_DESK, frozenset({BILLING}),
          "Open cases whose newest payoff statement, requested by the firm and not yet past "
          "its date, a later fill or adjustment has voided: the firm holds a wrong figure."),
    Stage("reductions", "Reduction requests", BILLING_DESK, frozenset({BILLING}),
          "Reduction requests waiting on billing's answer, on open cases."),
    Stage("settlements", "Settlements to post", BILLING_DESK, frozenset({BILLING}),
          "Settled cases with no payment posted yet."),
    Stage("closing", "Cases to close", BILLING_DESK, frozenset({BILLING}),
          "Settled cases with a payment posted, not yet closed."),
    Stage("pdmp", "PDMP reports", COMPLIANCE, frozenset({PHARMACIST, ADMIN}),
          "Past business days without a submitted PDMP report, and reports the state "
          "rejected."),
    Stage("inventory", "Inventory", COMPLIANCE, PHARMACY_STAFF,
          "The biennial inventory when due, DEA loss notices and count variances."),
)
BY_KEY = {stage.key: stage for stage in STAGES}
HOME_GROUP = {PHARMACIST: PHARMACY, TECHNICIAN: PHARMACY, BILLING: BILLING_DESK,
              ADMIN: COMPLIANCE}

COMPOUNDING_AHEAD_DAYS = 7  # a compounded prescription due this soon needs its batch made
PAGE_SIZE = 50
SORTS = {"oldest": "Oldest first", "due": "Due date, soonest first", "newest": "Newest first"}
DEFAULT_SORT = "oldest"


def stages_for(role: str) -> list[Stage]:
    """The stages ``role`` sees, its own group's first, then in the table's order."""
    home = HOME_GROUP.get(role)
    seen = [stage for stage in STAGES if role in stage.roles]
    return sorted(seen, key=lambda stage: stage.group != home)
