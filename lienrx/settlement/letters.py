"""Letters to a law firm: payoff statements, release letters and no-recovery closing letters.

Each letter is one template under ``letters/`` extending ``letters/layout.html`` (a document:
it extends ``documents/base.html``), served as HTML and printed to PDF by
``lienrx.core.documents``. They share one layout: the pharmacy's letterhead, the date, the
firm and attorney of record it is addressed to, the "Re:" line (client, case, the firm's file
number), the body, the money breakdown, the remit-to block and the signature. This module
gathers those facts from the case and the configuration; each letter's wording lives in its
template.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

from lienrx.auth.models import User
from lienrx.cases.models import Case
from lienrx.core import documents
from lienrx.core.errors import NotFound
from lienrx.core.links import public_url
from lienrx.extensions import db
from lienrx.settlement.queries import KindTotals

log = logging.getLogger(__name__)

STYLESHEET = "letters/letter.css"
W9_ENDPOINT = "settlement_api.pharmacy_w9"
# English month names, whatever the server's locale
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(day: date) -> str:
    """A date as a letter prints it: "March 1, 2026"."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


@dataclass(frozen=True)
class Pharmacy:
    """The letterhead: who writes, where, and how to reach them."""

    name: str
    address: tuple[str, ...]
    phone: str | None
    npi: str | None


@dataclass(frozen=True)
class Addressee:
    """The law firm the letter goes to, and its attorney of record on the case."""

    firm: str
    address: tuple[str, ...]
    attorney: str | None


@dataclass(frozen=True)
class Regarding:
    """The "Re:" line: the client, the pharmacy's case and the firm's file number."""

    client: str
    case_id: int
    file_number: str | None


@dataclass(frozen=True)
class Signatory:
    """Who signs the letter for the pharmacy (LIENRX_LETTER_SIGNATORY and its title)."""

    name: str | None
    title: str | None


@dataclass(frozen=True)
class Letter:
    """Everything one letter prints; ``facts`` are what its own template's body says."""

    template: str
    title: str
    filename: str
    dated: date
    pharmacy: Pharmacy
    addressee: Addressee
    regarding: Regarding
    totals: KindTotals
    remit_to: tuple[str, ...]
    signatory: Signatory
    footer: str | None
    w9_url: str | None
    facts: Mapping[str, Any]


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def pharmacy() -> Pharmacy:
    """The pharmacy as configured (LIENRX_PHARMACY_*)."""
    config = current_app.config
    return Pharmacy(config["LIENRX_PHARMACY_NAME"], _lines(config.get("LIENRX_PHARMACY_ADDRESS")),
                    config.get("LIENRX_PHARMACY_PHONE"), config.get("LIENRX_PHARMACY_NPI"))


def compose(case: Case, *, template: str, title: str, filename: str, dated: date,
            totals: KindTotals, **facts: Any) -> Letter:
    """A letter about ``case`` to its firm and attorney of record, signed as configured.

    It names the client: the caller records the read.
    """
    config = current_app.config
    home = pharmacy()
    attorney = (db.session.get(User, case.attorney_user_id)
                if case.attorney_user_id is not None else None)
    firm = case.law_firm
    return Letter(
        template=template, title=title, filename=filename, dated=dated, pharmacy=home,
        addressee=Addressee(firm.name, _lines(firm.address),
                            attorney.name if attorney is not None else None),
        regarding=Regarding(f"{case.patient.first_name} {case.patient.last_name}", case.id,
                            case.firm_file_number),
        totals=totals,
        remit_to=_lines(config.get("LIENRX_REMIT_TO")) or (home.name, *home.address),
        signatory=Signatory(config.get("LIENRX_LETTER_SIGNATORY"),
                            config.get("LIENRX_LETTER_SIGNATORY_TITLE")),
        footer=config.get("LIENRX_LETTER_FOOTER"),
        w9_url=public_url(W9_ENDPOINT) if w9_on_file() else None, facts=facts)


def render(letter: Letter, *, nav: Sequence[tuple[str, str]] = ()) -> documents.Rendered:
    """The letter as a standalone HTML page; ``nav`` (href, text) links show on screen only,
    outside the letter."""
    return documents.render(letter.template, stylesheet=STYLESHEET, letter=letter, nav=nav,
                            long_date=long_date)


def to_pdf(letter: Letter) -> bytes:
    """The letter as a PDF/A document with its fonts embedded."""
    return documents.to_pdf(render(letter))


class W9NotOnFile(NotFound):
    """The pharmacy has not configured its Form W-9 (or the file cannot be read)."""

    code, title = "w9_not_on_file", "No W-9 on file"


def w9_on_file() -> bool:
    """Whether the pharmacy's Form W-9 is configured (LIENRX_W9_PATH)."""
    return bool(current_app.config.get("LIENRX_W9_PATH"))


def w9() -> bytes:
    """The pharmacy's Form W-9 (a PDF); NotFound when none is configured or readable."""
    path = current_app.config.get("LIENRX_W9_PATH")
    if path:
        try:
            return Path(path).expanduser().read_bytes()
        except OSError:
            log.warning("LIENRX_W9_PATH is set but the file cannot be read")
    raise W9NotOnFile("The pharmacy has no Form W-9 on file here; ask its billing office for "
                      "one.")
