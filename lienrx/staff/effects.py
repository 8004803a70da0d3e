"""What a consequential action will do, in words and money, for its confirmation step."""

from __future__ import annotations

from typing import Any

from lienrx.core.numbers import money, num
from lienrx.settlement import rules as settlement_rules


def write_off(preview: Any, reason: str) -> tuple[str, list[str]]:
    """The title and effects of a write-off."""
    return (f"Write off {money(preview.amount)}?", [
        f"{money(preview.amount)} is written off the lien (reason: {reason}).",
        f"The lien balance goes from {money(preview.balance)} to "
        f"{money(preview.balance_after)}.",
    ])


def close(preview: Any, reason: str | None) -> tuple[str, list[str]]:
    """The title and effects of closing a case paid or without recovery."""
    paid = preview.outcome == settlement_rules.PAID
    effects = [f"The case becomes {preview.status.replace('_', ' ')}: nothing more is "
               "charged, adjusted or paid on it, and it cannot be reopened."]
    if preview.written_off:
        what = ("The residual balance" if paid
                else "The whole balance (non-recourse: the client owes nothing)")
        effects.append(f"{what} of {money(preview.written_off)} is written off"
                       + (f" (reason: {reason})." if reason else "."))
    else:
        effects.append("The balance is $0.00: nothing is written off.")
    effects.append("The lien balance after: $0.00.")
    effects.append("A release letter is issued to the firm." if paid
                   else "A closing letter is issued to the firm.")
    title = "Close the case as paid?" if paid else "Close the case with no recovery?"
    return title, effects


def reversal(preview: Any, reason: str) -> tuple[str, list[str]]:
    """The title and effects of reversing a fill."""
    d = preview.dispense
    effects = [
        f"The charge of {money(d.charge_cents)} comes off the lien (reason: {reason}).",
        f"The lien balance goes from {money(preview.balance)} to "
        f"{money(preview.balance - d.charge_cents)}.",
        "The quantity goes back to the prescription"
        + (" and to its compounded batch." if d.compounding_record_id
           and preview.disposition != "destroy" else "."),
    ]
    if preview.disposition == "return_to_stock":
        effects.append(f"The stock returns to lot {d.lot_number}.")
    elif preview.disposition == "destroy":
        effects.append("The stock is set aside to be destroyed before witnesses.")
    return f"Reverse fill {d.fill_number} of RX{d.prescription_id:07d}?", effects


def verification(record: Any, results: list[str]) -> tuple[str, list[str]]:
    """The title and effects of verifying a compounded batch."""
    size = f"{num(record.quantity)} {record.product.unit}"
    effects = [f"Batch {record.lot_number} ({size} of "
               f"{record.product.name}) is released for dispensing until its beyond-use date "
               f"{record.beyond_use_date.isoformat()}.",
               "You are recorded as the verifying pharmacist; a verified batch can no longer "
               "be rejected."]
    if results:
        effects.append("QC results: " + "; ".join(results) + ".")
    return f"Verify batch {record.lot_number}?", effects


def signing(document: dict[str, Any], previous: Any) -> tuple[str, list[str]]:
    """The title and effects of signing a POGOS (``previous``: the version it supersedes)."""
    version = previous.version + 1 if previous else 1
    fills, signer = document["fills"], document["signer"]
    effects = [
        f"Version {version} of the POGOS is signed with your name ({signer['name']}, license "
        f"{signer['license_number'] or 'not recorded'}) and the pharmacy's signing key.",
        f"It states {fills['count']} fill{'' if fills['count'] == 1 else 's'} charging "
        f"{money(fills['charges'])} and a lien balance of "
        f"{money(document['ledger']['balance'])}, as the records stand now.",
        "A signed version is never changed: a correction is a new version that supersedes it.",
    ]
    if previous is not None:
        effects.append(f"It supersedes version {previous.version}, whose hash it names.")
    return f"Sign version {version} of the POGOS?", effects
