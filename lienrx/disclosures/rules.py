"""How the accounting of disclosures names what each disclosure released (the codes
are lienrx.cases.rules': every read of a case names what it reads)."""

from __future__ import annotations

from lienrx.cases.rules import CASE, CASE_LIST, DISPENSES, DOCUMENT, LEDGER, LETTER, PAYOFF, POGOS

WHAT_LABELS = {
    CASE: "Case record", CASE_LIST: "Case list (client name, balance)", LEDGER: "Lien ledger",
    DISPENSES: "Dispense records", POGOS: "POGOS / custodian certificate",
    DOCUMENT: "Case document", LETTER: "Release or closing letter",
    PAYOFF: "Payoff figure or statement",
}
