"""What an attorney may be shown of a case, and the codes of what a disclosure released."""

from __future__ import annotations

# What a disclosure to a law firm released (45 CFR 164.528 asks for "a brief description of
# the protected health information disclosed"): the first read of a case in a request names it.
CASE = "case"  # the case itself: client, diagnoses, balance (API case, the portal case page)
CASE_LIST = "case_list"  # the client's name and balance in the firm's list of cases
LEDGER = "ledger"
DISPENSES = "dispenses"
POGOS = "pogos"  # a signed attestation (POGOS) or the records-custodian certificate
DOCUMENT = "document"  # a case document or the list of them
LETTER = "letter"  # a release or closing letter
PAYOFF = "payoff"  # the payoff figure, a payoff statement or a settlement preview
WHAT = (CASE, CASE_LIST, LEDGER, DISPENSES, POGOS, DOCUMENT, LETTER, PAYOFF)
WHAT_LABELS = {
    CASE: "Case record", CASE_LIST: "Case list (client name, balance)", LEDGER: "Lien ledger",
    DISPENSES: "Dispense records", POGOS: "POGOS / custodian certificate",
    DOCUMENT: "Case document", LETTER: "Release or closing letter",
    PAYOFF: "Payoff figure or statement",
}

# What an attorney sees of a case while no HIPAA authorization naming the firm is in force.
UNAUTHORIZED_CASE_FIELDS = ("id", "firm_file_number", "status")
