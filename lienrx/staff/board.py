"""The billing board: A/R aging by firm with its charts, liens at statute-of-limitations
risk, quiet liens, and the same as a workbook."""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, render_template, request
from flask_login import current_user

from lienrx.core import clock, forms
from lienrx.core.security import ADMIN, BILLING, require_roles
from lienrx.exports.download import xlsx_response
from lienrx.reports import rules
from lienrx.reports.board import Board, billing_board
from lienrx.reports.charts import bucket_bars, stacked_bars
from lienrx.reports.schemas import AgingArgs
from lienrx.reports.workbook import write_board
from lienrx.staff.blueprint import bp


def _board() -> tuple[forms.Submission, Board]:
    raw = {k: v.strip() for k, v in request.args.items()}
    form = forms.Submission.load(AgingArgs(), {k: v for k, v in raw.items() if v}, raw=raw)
    as_of = form.values["as_of"] if form.ok and form.values else clock.today()
    board = billing_board(current_user, as_of,
                          quiet_after=int(current_app.config["LIENRX_QUIET_LIEN_DAYS"]),
                          warn_days=rules.LIMITATION_WARNING_DAYS)
    return form, board


@bp.route("/billing/board")
@require_roles(BILLING, ADMIN)
def billing_board_page() -> Any:
    """Show the A/R aging by firm with its charts, the liens at limitation risk and the
    quiet liens (a date the form refuses shows its error, and today's board)."""
    form, board = _board()
    by_firm = stacked_bars([(f.law_firm, [f.buckets[n] for n in rules.BUCKET_NAMES])
                            for f in board.firms])
    by_bucket = bucket_bars(rules.BUCKET_NAMES,
                            [board.totals.buckets[n] for n in rules.BUCKET_NAMES])
    return render_template("staff/board.html", form=form, board=board, by_firm=by_firm,
                           by_bucket=by_bucket, buckets=rules.BUCKET_NAMES), form.status


@bp.route("/billing/board.xlsx")
@require_roles(BILLING, ADMIN)
def billing_board_workbook() -> Any:
    """Send the board as a workbook (sheets Aging, Limitation risk, Quiet liens, About)."""
    _, board = _board()
    workbook = io.BytesIO()
    write_board(current_user, workbook, board)
    workbook.seek(0)
    return xlsx_response(workbook, f"aging-{board.as_of.isoformat()}.xlsx")
