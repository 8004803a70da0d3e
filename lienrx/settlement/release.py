"""Release letters: issue one when a paid case closes; render it as HTML or PDF."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template
from fpdf import FPDF

from lienrx.audit import services as audit
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.core.actors import Actor
from lienrx.core.errors import NotFound
from lienrx.core.money import format_cents
from lienrx.extensions import db
from lienrx.settlement.models import ReleaseLetter
from lienrx.settlement.queries import case_totals, last_payment_date


def issue(actor: Actor, case: Case) -> ReleaseLetter:
    """Freeze the facts of the release (after the residual write-off) and store the letter."""
    totals = case_totals(case.id)
    paid_on = last_payment_date(case.id)
    if paid_on is None:
        raise ValueError("a release letter needs a payment")
    letter = ReleaseLetter(case_id=case.id, issued_by_user_id=actor.id,
                           billed_cents=totals.charges - totals.reversals,
                           amount_paid_cents=totals.payments - totals.refunds, paid_on=paid_on,
                           reduced=totals.reductions + totals.write_offs > 0)
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "release_letter.issued", "release_letter", letter.id,
                 {"case_id": case.id, "amount_paid": letter.amount_paid_cents,
                  "reduced": letter.reduced})
    return letter


@dataclass(frozen=True)
class LetterView:
    """Everything a rendered letter shows, its wording decided in one place."""

    letter: ReleaseLetter
    case: Case
    pharmacy: str
    client_name: str
    firm_name: str

    @property
    def paragraphs(self) -> list[str]:
        paid = f"${format_cents(self.letter.amount_paid_cents)}"
        on = self.letter.paid_on.isoformat()
        if self.letter.reduced:
            first = (f"{self.pharmacy} acknowledges receipt of {paid} on {on}, which it has "
                     f"accepted in full satisfaction of its lien (billed "
                     f"${format_cents(self.letter.billed_cents)}), as reduced by agreement.")
        else:
            first = (f"{self.pharmacy} acknowledges receipt of {paid} on {on}, payment in full "
                     "of its lien.")
        return [first,
                "The lien is satisfied and unconditionally released. The client owes nothing "
                "further for the prescriptions dispensed under the letter of protection.",
                "Please keep this letter with the settlement disbursement records."]


def letter_view(actor: Actor, case_id: int) -> LetterView:
    """The release letter of a case the actor may see (a PHI read: it names the client)."""
    case = cases.get_case(actor, case_id)
    letter = db.session.execute(
        sa.select(ReleaseLetter).where(ReleaseLetter.case_id == case.id)).scalar_one_or_none()
    if letter is None:
        raise NotFound("No release letter has been issued for this case.")
    audit.record(actor, "release_letter.read", "release_letter", letter.id, {"case_id": case.id})
    client = f"{case.patient.first_name} {case.patient.last_name}"
    return LetterView(letter, case, current_app.config["LIENRX_PHARMACY_NAME"], client,
                      case.law_firm.name)


def render_html(view: LetterView) -> str:
    """The letter as a standalone HTML page."""
    return render_template("settlement/release_letter.html", view=view)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(view: LetterView) -> bytes:
    """The letter as a one-page PDF (core fonts only)."""
    pdf = FPDF(format="Letter")
    pdf.set_title("Lien release")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(view.pharmacy), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 8, f"Issued {clock.local_date(view.letter.issued_at).isoformat()}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in (f"To: {view.firm_name}", f"Re: {view.client_name}",
                 f"Firm file no.: {view.case.firm_file_number or '-'}",
                 f"LienRx case: {view.case.id}"):
        pdf.cell(0, 7, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 9, "Lien satisfaction and release", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for paragraph in view.paragraphs:
        pdf.multi_cell(0, 6, _latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
