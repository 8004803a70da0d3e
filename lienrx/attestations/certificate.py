"""The records-custodian certificate (FRE 902(11) style) for a case's raw dispense log.

It certifies the dispense log only, a business record, and says so: the POGOS narrative is
an opinion written for litigation and needs its own foundation. It is rendered from its
template (``attestations/certificate.html``) and printed to PDF/A-3 with the log attached as
the canonical JSON whose SHA-256 the certificate states.
"""

from __future__ import annotations

from typing import Any

from lienrx.attestations import layout, signing
from lienrx.core import clock, documents
from lienrx.core.numbers import money

TITLE = "Certificate of Authenticity of Domestic Records of a Regularly Conducted Activity"
RULES = "Federal Rules of Evidence 902(11) and 803(6); 28 U.S.C. § 1746"
TEMPLATE = "attestations/certificate.html"
LOG_HEADINGS = ("Date", "Dispense", "Rx", "Fill #", "Product", "NDC (labeler) or MFR / lot / BUD",
                "Qty", "Days", "Prescriber NPI", "Pharmacist", "Charge", "Status")


def log_name(facts: dict[str, Any]) -> str:
    """The file name of the dispense log inside the certificate's PDF."""
    return f"dispense-log-case-{facts['case_id']}.json"


def declarations(facts: dict[str, Any]) -> list[str]:
    """The numbered statements the custodian makes."""
    pharmacy, count = facts["pharmacy"], len(facts["dispense_log"])
    return [
        f"I am the custodian of records of {pharmacy}, or another person qualified by my "
        "position and familiarity with its record-keeping to make this certification.",
        f"Attached is the dispense log of {pharmacy} for {facts['patient_name']} (date of birth "
        f"{layout.day(facts['patient_date_of_birth'])}), case {facts['case_id']}, firm file "
        f"number {layout.text(facts['firm_file_number']) or 'none'}: {count} dispense "
        f"record{'' if count == 1 else 's'}, SHA-256 of the log as kept: {facts['log_sha256']} "
        f"(the file {log_name(facts)} inside this PDF).",
        "The records were made at or near the time of the occurrence of the matters set forth "
        "in them, by, or from information transmitted by, a person with knowledge of those "
        "matters.",
        "The records were kept in the course of the regularly conducted activity of the "
        "pharmacy.",
        "Making the records was a regular practice of that activity.",
        "The attached records are true copies of the originals. This certificate covers the "
        "dispense log only; it does not cover any clinical narrative, report or opinion.",
    ]


def log_rows(facts: dict[str, Any]) -> list[list[str]]:
    """The dispense log, one row of cell texts per dispense record."""
    return [[layout.fill_date(ln), layout.text(ln.get("dispense_id")),
             layout.text(ln.get("prescription_id")), layout.text(ln.get("fill_number")),
             layout.text(ln.get("product_name")), layout.source_text(ln),
             layout.quantity(ln.get("quantity"), ln.get("unit")),
             layout.text(ln.get("days_supply")), layout.text(ln.get("prescriber_npi")),
             layout.text(ln.get("pharmacist_name")), money(ln.get("charge")),
             layout.text(ln.get("status"))] for ln in facts["dispense_log"]]


def rendered_certificate(facts: dict[str, Any]) -> documents.Rendered:
    """The certificate rendered from its template: declaration, signature block, the log."""
    return documents.render(
        TEMPLATE, stylesheet="attestations/pogos.css", facts=facts, title=TITLE, rules=RULES,
        declarations=declarations(facts), headings=LOG_HEADINGS, rows=log_rows(facts),
        generated=layout.moment(facts["generated_at"], clock.timezone()),
        log_name=log_name(facts))


def render_custodian_certificate(facts: dict[str, Any]) -> bytes:
    """The certificate as PDF/A-3, the dispense log it covers attached as canonical JSON."""
    log = signing.canonical_bytes({"case_id": facts["case_id"],
                                   "dispense_log": facts["dispense_log"]})
    return documents.to_pdf(rendered_certificate(facts), attachments=(documents.Attachment(
        name=log_name(facts), content=log,
        description=f"Dispense log of case {facts['case_id']} (canonical JSON)"),))
