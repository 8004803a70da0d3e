"""The records-custodian certificate (FRE 902(11) style) for a case's raw dispense log.

It certifies the dispense log only, a business record, and says so: the POGOS narrative is
an opinion written for litigation and needs its own foundation.
"""

from __future__ import annotations

from typing import Any

from lienrx.attestations import layout
from lienrx.attestations.pdf import ExhibitPDF

TITLE = "Certificate of Authenticity of Domestic Records of a Regularly Conducted Activity"
RULES = "Federal Rules of Evidence 902(11) and 803(6); 28 U.S.C. § 1746"
LOG_HEADINGS = ("Date", "Dispense", "Rx", "Fill #", "Product", "NDC or formulation / lot / BUD",
                "Qty", "Days", "Prescriber NPI", "Pharmacist", "Charge", "Status")
LOG_WIDTHS = (19, 16, 12, 10, 40, 47, 16, 10, 22, 29, 17, 17)


def declarations(facts: dict[str, Any]) -> list[str]:
    """The numbered statements the custodian makes."""
    pharmacy, count = facts["pharmacy"], len(facts["dispense_log"])
    return [
        f"I am the custodian of records of {pharmacy}, or another person qualified by my "
        "position and familiarity with its record-keeping to make this certification.",
        f"Attached is the dispense log of {pharmacy} for {facts['patient_name']} (date of birth "
        f"{facts['patient_date_of_birth']}), case {facts['case_id']}, firm file number "
        f"{layout.text(facts['firm_file_number']) or 'none'}: {count} dispense "
        f"record{'' if count == 1 else 's'}, SHA-256 of the log as kept: {facts['log_sha256']}.",
        "The records were made at or near the time of the occurrence of the matters set forth "
        "in them, by, or from information transmitted by, a person with knowledge of those "
        "matters.",
        "The records were kept in the course of the regularly conducted activity of the "
        "pharmacy.",
        "Making the records was a regular practice of that activity.",
        "The attached records are true copies of the originals. This certificate covers the "
        "dispense log only; it does not cover any clinical narrative, report or opinion.",
    ]


def _signature_block(pdf: ExhibitPDF, facts: dict[str, Any]) -> None:
    custodian = facts["custodian"] or {}
    pdf.paragraph("I declare under penalty of perjury under the laws of the United States of "
                  "America that the foregoing is true and correct.")
    pdf.ln(8)
    pdf.pairs([("Signature", "_" * 48), ("Name", custodian.get("name") or "_" * 48),
               ("Title", "Pharmacist, custodian of records"),
               ("License number", custodian.get("license_number") or "_" * 48),
               ("Executed on (date)", "_" * 24), ("Place", "_" * 48)])


def render_custodian_certificate(facts: dict[str, Any]) -> bytes:
    """The certificate: declaration, signature block, then the dispense log it covers."""
    pdf = ExhibitPDF(f"Custodian certificate - case {facts['case_id']}",
                     f"Dispense log SHA-256 {facts['log_sha256']}  -  generated "
                     f"{facts['generated_at']}")
    pdf.set_title(f"Custodian certificate case {facts['case_id']}")
    pdf.add_page()
    pdf.heading(TITLE, size=13)
    pdf.paragraph(RULES, size=9, style="I")
    pdf.paragraph(f"Records of: {facts['pharmacy']}. Law firm: {facts['law_firm']}.")
    pdf.paragraph("I, the undersigned, certify:")
    for number, statement in enumerate(declarations(facts), 1):
        pdf.paragraph(f"{number}. {statement}")
    _signature_block(pdf, facts)
    pdf.add_page(orientation="L")
    pdf.heading("Attachment: dispense log")
    rows = [(ln.get("dispensed_on"), ln.get("dispense_id"), ln.get("prescription_id"),
             ln.get("fill_number"), ln.get("product_name"), layout.source_cell(ln),
             f"{layout.text(ln.get('quantity'))} {layout.text(ln.get('unit'))}".strip(),
             ln.get("days_supply"), ln.get("prescriber_npi"), ln.get("pharmacist_name"),
             ln.get("charge"), ln.get("status")) for ln in facts["dispense_log"]]
    pdf.grid(LOG_HEADINGS, rows, widths=LOG_WIDTHS, size=7.5,
             empty="No dispenses are recorded on this case.")
    return bytes(pdf.output())
