"""PDF renderings with fpdf2 (pure Python): the POGOS exhibit and the custodian certificate.

fpdf2's built-in Helvetica covers Latin-1 only; other characters are folded to their base
letter (é → e) or '?'. The signed JSON, not the PDF, is the authoritative text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from lienrx.attestations import layout
from lienrx.attestations.layout import Seal

_PUNCTUATION = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'",
                              "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2022": "*",
                              "\u2265": ">=", "\u2264": "<=", "\u00a0": " "})
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 229, 235))
_GREY = (90, 90, 90)


def _fold(char: str) -> str:
    if ord(char) < 256:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(c))
    return base if base and all(ord(c) < 256 for c in base) else "?"


def latin1(value: Any) -> str:
    """Text the core PDF fonts can draw: Latin-1 kept, other letters folded (ễ → e) or '?'."""
    raw = layout.text(value).translate(_PUNCTUATION)
    return raw if raw.isascii() else "".join(_fold(c) for c in raw)


class ExhibitPDF(FPDF):
    """A Letter-size document whose every page names what it is and the hash it carries."""

    def __init__(self, running_head: str, running_foot: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.running_head, self.running_foot = latin1(running_head), latin1(running_foot)
        self.set_margins(12, 14, 12)
        self.set_auto_page_break(auto=True, margin=16)
        self.alias_nb_pages()
        self.set_creator("LienRx")

    def header(self) -> None:
        self.set_font("Helvetica", size=7.5)
        self.set_text_color(*_GREY)
        self.cell(0, 4, self.running_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("Helvetica", size=7)
        self.set_text_color(*_GREY)
        self.cell(0, 4, f"{self.running_foot}   Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, title: str, size: float = 12.5) -> None:
        self.set_font("Helvetica", "B", size)
        self.ln(2)
        self.multi_cell(0, 7, latin1(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", size=9)

    def paragraph(self, body: Any, size: float = 9.5, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, 4.8, latin1(body), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def grid(self, headings: Sequence[str], rows: Iterable[Sequence[Any]],
             widths: Sequence[float] | None = None, size: float = 8,
             empty: str = "None recorded.", align: Sequence[str] | str = "LEFT") -> None:
        rows = list(rows)
        if not rows:
            self.paragraph(empty, size=9, style="I")
            return
        self.set_font("Helvetica", size=size)
        with self.table(col_widths=tuple(widths) if widths else None, headings_style=_HEADINGS,
                        line_height=size * 0.5, text_align=align, padding=0.8,
                        cell_fill_mode=TableCellFillMode.EVEN_ROWS,
                        cell_fill_color=(246, 247, 249)) as table:
            table.row([latin1(h) for h in headings])
            for row in rows:
                table.row([latin1(c) for c in row])
        self.ln(2)

    def pairs(self, rows: Iterable[tuple[str, str]], label_width: float = 48) -> None:
        for label, value in rows:
            self.set_font("Helvetica", "B", 9.5)
            self.cell(label_width, 5.5, latin1(label))
            self.set_font("Helvetica", size=9.5)
            self.multi_cell(0, 5.5, latin1(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _summary(pdf: ExhibitPDF, doc: dict[str, Any]) -> None:
    pdf.add_page()
    pdf.heading(doc["title"], size=15)
    pdf.paragraph(f"{doc['pharmacy']['name']}  -  version {doc['version']}, issued "
                  f"{doc['issued_at']}", size=9)
    pdf.heading("Summary")
    pdf.pairs(layout.summary_rows(doc))
    if doc["case"].get("mechanism_narrative"):
        pdf.heading("Mechanism of injury", size=11)
        pdf.paragraph(doc["case"]["mechanism_narrative"])
    pdf.heading("Diagnoses", size=11)
    pdf.grid(("ICD-10-CM", "Laterality", "CRPS type", "Source document"),
             [(d["icd10"], d["laterality"], d["crps_type"], d["source"])
              for d in doc["diagnoses"]], widths=(25, 25, 22, 119))
    pdf.heading("Treatment given elsewhere (not billed by the pharmacy)", size=11)
    pdf.grid(("Treatment", "From", "To", "Facility", "Protocol / dose"),
             [(layout.treatment_label(t["kind"]), t["started_on"], t["ended_on"], t["facility"],
               " / ".join(x for x in (t["protocol"], t["dose"]) if x))
              for t in doc["external_treatments"]], widths=(40, 21, 21, 50, 59))
    pdf.heading("Totals", size=11)
    pdf.pairs(layout.totals_rows(doc), label_width=60)


def _timeline(pdf: ExhibitPDF, doc: dict[str, Any]) -> None:
    pdf.add_page(orientation="L")
    pdf.heading("Medication timeline")
    pdf.grid([c.heading for c in layout.TIMELINE], layout.timeline_rows(doc),
             widths=[c.width for c in layout.TIMELINE], size=7.5,
             empty="No dispenses are recorded on this case.",
             align=["RIGHT" if c.numeric else "LEFT" for c in layout.TIMELINE])
    fills = doc["fills"]
    pdf.paragraph(f"Charged on fills not reversed: {fills['charges']} ({fills['count']} fills; "
                  f"{fills['reversed']} reversed).", size=9, style="B")
    pdf.heading("Late entries and pharmacist overrides", size=11)
    pdf.grid(layout.EXCEPTION_HEADINGS, layout.exception_rows(doc),
             widths=(26, 12, 55, 45, 117), empty="No late entry and no override.")
    pdf.heading("Reversals", size=11)
    pdf.grid(("Date", "Ledger entry", "Dispense", "Amount", "Memo"),
             [(r["occurred_on"], r["entry_id"], r["dispense_id"], r["amount"], r["memo"])
              for r in doc["reversals"]], widths=(22, 25, 22, 25, 161),
             empty="No reversals.")
    pdf.heading("DUR alerts and resolutions", size=11)
    pdf.grid(("Severity", "Kind", "Alert", "Resolution", "Resolved by"),
             [(a["severity"], a["kind"], a["message"], a["resolution"], a["resolved_by"])
              for a in doc["dur_alerts"]], widths=(20, 35, 90, 75, 35),
             empty="No DUR alerts were raised.")


def _rationale(pdf: ExhibitPDF, doc: dict[str, Any]) -> None:
    pdf.add_page()
    pdf.heading("Clinical rationale")
    if not doc["medication_rationale"]:
        pdf.paragraph("No medication has been dispensed on this case.", style="I")
    for item in doc["medication_rationale"]:
        pdf.heading(f"{item['product_name']} ({item['product_code']})", size=10.5)
        pdf.paragraph(f"Treats: {', '.join(item.get('icd10_codes') or [])}.  Fills: "
                      f"{item.get('fills')}, {item.get('first_dispensed_on')} to "
                      f"{item.get('last_dispensed_on')}.", size=8.5)
        if item.get("prescribed_for"):
            pdf.paragraph(f"Prescriber's indication: {'; '.join(item['prescribed_for'])}.",
                          size=8.5)
        pdf.paragraph(item["indication"])
    pdf.heading("Pharmacist's narrative", size=11)
    pdf.paragraph(doc.get("pharmacist_narrative") or "No narrative was given.")


def _attestation(pdf: ExhibitPDF, doc: dict[str, Any], seal: Seal) -> None:
    if pdf.will_page_break(130):  # keep the attestation block on one page
        pdf.add_page()
    pdf.heading("Pharmacist attestation")
    pdf.paragraph(doc["attestation"])
    signer = doc["signer"]
    pdf.pairs([("Signed by", signer["name"]), ("License number", layout.text(
        signer["license_number"])), ("Issued at", doc["issued_at"]),
        ("Version", layout.text(doc["version"])),
        ("Supersedes", "-" if not doc.get("supersedes") else
         f"version {doc['supersedes']['version']} (SHA-256 {doc['supersedes']['sha256']})")])
    pdf.heading("Verification", size=11)
    pdf.pairs([("Document SHA-256", seal.sha256), ("Key id", seal.key_id),
               ("Algorithm", "Ed25519 over the canonical JSON of the document"),
               ("Signature", seal.signature), ("Verify at", seal.verify_url),
               ("Public keys", seal.keys_url), ("Signed JSON", seal.json_url)])
    pdf.ln(1)
    for number, step in enumerate(layout.VERIFY_STEPS, 1):
        pdf.paragraph(f"{number}. " + step.format(json_url=seal.json_url, keys_url=seal.keys_url,
                                                  verify_url=seal.verify_url).replace("`", ""),
                      size=8.5)


def render_attestation(document: dict[str, Any], seal: Seal) -> bytes:
    """The POGOS exhibit: summary, medication timeline, rationale, attestation block."""
    case = document["case"]
    pdf = ExhibitPDF(
        f"POGOS - case {case['id']} - file {layout.text(case['firm_file_number'])} - "
        f"version {document['version']}",
        f"Document SHA-256 {seal.sha256}  -  key {seal.key_id}")
    pdf.set_title(f"POGOS case {case['id']} version {document['version']}")
    _summary(pdf, document)
    _timeline(pdf, document)
    _rationale(pdf, document)
    _attestation(pdf, document, seal)
    return bytes(pdf.output())
