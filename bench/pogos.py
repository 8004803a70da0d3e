"""Benchmark a 200-fill POGOS: build, sign and print it, against a bare WeasyPrint table.

    .venv/bin/python bench/pogos.py [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--sqlite] [--fills 200] [--runs 3]

Creates a throwaway database (PostgreSQL by default, like tests/conftest.py; ``--sqlite`` a
temporary file), migrates it and builds one case through the services with the clock moved
month by month: ketamine cream compounded and filled for the first months, and lidocaine
patches, duloxetine and alendronate every month (renewed yearly), ``--fills`` dispenses in all,
each a ledger charge, one of them reversed. Then, each the median of ``--runs`` runs:

- ``pogos``: ``services.issue_attestation`` (build the document from the records, sign it,
  store it) and ``pdf.render_attestation`` (the one template through WeasyPrint, PDF/A-3 with
  the signed JSON attached), rolled back after each run;
- ``bare table``: ``weasyprint.HTML(string=...).write_pdf()`` of a plain ten-column HTML table
  (``table-layout: fixed``, no other style) with as many rows as give the same page count.

The last line is ``pogos_vs_bare_table ratio=R pogos_s=S``. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from common import (
    admin_url_default,
    instance_path,
    keys,
    make_app,
    median_seconds,
    migrate,
    throwaway_database,
)

START = datetime(2025, 1, 6, 16, 0, tzinfo=UTC)  # 10:00 at the pharmacy; prices from 2025
CREAM = "KET-CRM-10"
CREAM_MONTHS = 4
# (product, quantity, days supply, sig, dose): none raises a high-severity DUR alert with another.
MONTHLY = (("LIDO-PAT-5", 30, 30, "Apply 1 patch to the neck once daily, 12 hours on", None),
           ("DULO-CAP-30", 30, 30, "Take 1 capsule by mouth once daily",
            {"amount": Decimal(30), "unit": "mg", "times_per_day": Decimal(1)}),
           ("ALEN-TAB-70", 4, 28, "Take 1 tablet by mouth once weekly", None))


def _resolve_alerts(rx: Any, pharmacist: Any) -> None:
    from lienrx.dur import services as dur

    for alert in dur.evaluate(rx, None):
        dur.resolve(alert.id, pharmacist, dur.Resolution(
            reason="TD", professional_service="R0", result="1B", note="reviewed for the bench"))


def build_case(fills: int) -> int:
    """One case with ``fills`` dispenses through the services, the clock moved month by month;
    returns the case id. The caller commits."""
    from lienrx.core import clock
    from lienrx.dispensing import services as dispensing
    from lienrx.formulary.services import product_by_code
    from lienrx.prescribing import services as prescribing
    from tests import factories
    from tests.dispensing.conftest import verified_batch
    from tests.formulary.factories import load_products

    clock.freeze(START)
    load_products(CREAM, *(code for code, *_ in MONTHLY))
    case = factories.case(factories.law_firm(), diagnoses=[
        {"icd10": "S13.4XXA", "laterality": None, "source": "Emergency department record"},
        {"icd10": "G90.511", "laterality": "right", "source": "Pain clinic consult note"}])
    doctor = factories.prescriber()
    pharmacist = factories.user("pharmacist", name="Pat Pharmacist, PharmD")
    compounder, verifier = factories.user("technician"), factories.user("pharmacist")
    products = {code: product_by_code(code) for code in (CREAM, *(c for c, *_ in MONTHLY))}

    def prescribe(code: str, quantity: int, days: int, sig: str, dose: Any, codes: list[str],
                  indication: str, refills: int = 11) -> Any:
        rx = prescribing.create_prescription(
            None, case_id=case.id, prescriber_id=doctor.id, product_id=products[code].id,
            quantity=Decimal(quantity), days_supply=days, written_on=clock.today(), sig=sig,
            dose=dose, refills_authorized=refills, diagnosis_codes=codes,
            indication=indication)
        _resolve_alerts(rx, pharmacist)
        return rx

    cream = prescribe(CREAM, 30, 30, "Apply 1 g to the right wrist three times daily", None,
                      ["G90.511"], "Allodynia of the right wrist", refills=CREAM_MONTHS - 1)
    made, month, current, first = 0, 0, {}, None
    while made < fills:
        if month % 12 == 0:  # renew the monthly prescriptions every year
            current = {code: prescribe(code, q, d, sig, dose, ["S13.4XXA"],
                                       "Neck pain after whiplash injury")
                       for code, q, d, sig, dose in MONTHLY}
        orders = ([(cream, 30, 30, verified_batch(CREAM, 30, compounder, verifier), None)]
                  if month < CREAM_MONTHS else [])  # a batch a month: its BUD is short
        orders += [(current[code], q, d, None, products[code].ndcs[0].ndc)
                   for code, q, d, *_ in MONTHLY]
        for rx, quantity, days, batch, ndc in orders[:fills - made]:
            filled = dispensing.dispense(pharmacist, dispensing.DispenseRequest(
                prescription_id=rx.id, quantity=Decimal(quantity), days_supply=days,
                compounding_record_id=batch, ndc=ndc, medguide_provided=True))
            first = first or filled
            made += 1
        month += 1
        clock.freeze(START + timedelta(days=30 * month))
    if first is not None:  # the first cream fill was entered twice: reversed a month later
        dispensing.reverse(pharmacist, first.id, reason="entered twice",
                           disposition="return_to_stock")
    return case.id


def bare_table(rows: int) -> str:
    """A plain ten-column HTML table of ``rows`` rows."""
    body = "".join("<tr>" + "".join(f"<td>row {r} cell {c} text</td>" for c in range(10))
                   + "</tr>" for r in range(rows))
    return ("<!doctype html><html><head><style>table{table-layout:fixed;width:100%}</style>"
            f"</head><body><table><thead><tr>{'<th>head</th>' * 10}</tr></thead>"
            f"<tbody>{body}</tbody></table></body></html>")


def bare_rows_for(pages: int) -> int:
    """How many rows of the bare table fill ``pages`` pages."""
    import weasyprint

    per_page = len(weasyprint.HTML(string=bare_table(200)).render().pages)
    rows = max(1, round(200 * pages / per_page))
    while len(weasyprint.HTML(string=bare_table(rows)).render().pages) > pages:
        rows -= 5
    while len(weasyprint.HTML(string=bare_table(rows + 5)).render().pages) <= pages:
        rows += 5
    return rows


def time_pogos(signer: Any, case_id: int, runs: int) -> tuple[float, dict[str, float], bytes]:
    """Median seconds to issue (build and sign) and render the case's POGOS, rolled back after
    each run; the median of each part, and the last PDF."""
    from lienrx.attestations import pdf, services
    from lienrx.attestations.layout import seal_for
    from lienrx.extensions import db

    made: list[bytes] = []
    parts: dict[str, list[float]] = {"sign": [], "render": []}

    def pogos() -> None:
        started = time.perf_counter()
        attestation = services.issue_attestation(signer, case_id)
        signed = time.perf_counter()
        made.append(pdf.render_attestation(attestation.document, seal_for(attestation)))
        parts["sign"].append(signed - started)
        parts["render"].append(time.perf_counter() - signed)

    figure = median_seconds(runs, pogos, db.session.rollback)
    return figure, {name: statistics.median(times) for name, times in parts.items()}, made[-1]


def signer_of_case() -> Any:
    """The pharmacist who signs :func:`build_case`'s POGOS."""
    from lienrx.auth.models import User
    from lienrx.extensions import db

    return db.session.execute(db.select(User).where(
        User.name == "Pat Pharmacist, PharmD")).scalar_one()


def bench(url: str, fills: int, runs: int) -> None:
    from pypdf import PdfReader

    from lienrx.core import clock
    from lienrx.extensions import db

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    app = make_app(url, keys())
    with app.app_context():
        migrate(app)
        start = time.perf_counter()
        case_id = build_case(fills)
        db.session.commit()
        print(f"built a case with {fills} fills through the services in "
              f"{time.perf_counter() - start:.1f}s")
        import weasyprint

        weasyprint.HTML(string="<p>warm up</p>").write_pdf()  # the import and font setup
        figure, parts, made = time_pogos(signer_of_case(), case_id, runs)
        pages = len(PdfReader(io.BytesIO(made)).pages)
        rows = bare_rows_for(pages)
        html = bare_table(rows)
        baseline = median_seconds(runs, lambda: weasyprint.HTML(string=html).write_pdf(),
                                  lambda: None)
        print(f"bare WeasyPrint table ({rows} rows, {pages} pages): {baseline:6.2f} s")
        print(f"POGOS build + sign + PDF ({fills} fills, {pages} pages): {figure:6.2f} s "
              f"(build and sign {parts['sign']:.2f} s, render "
              f"{parts['render']:.2f} s, {len(made) // 1024} KiB)")
        clock.freeze(None)
        db.session.remove()
        db.engine.dispose()
    print(f"pogos_vs_bare_table ratio={figure / baseline:.2f} pogos_s={figure:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=admin_url_default())
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--fills", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with instance_path() as tmp, throwaway_database(
            args.pg_admin_url, sqlite_in=tmp if args.sqlite else None) as url:
        bench(url, args.fills, args.runs)


if __name__ == "__main__":
    main()
