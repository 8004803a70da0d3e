"""The work queue: what waits for whom today, stage by stage, with counts, search, sorting,
paging, and a list fragment the page re-fetches to stay current."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from lienrx.core import clock
from lienrx.core.paging import page_number
from lienrx.core.security import STAFF, require_roles
from lienrx.staff.blueprint import bp
from lienrx.workqueue import rules
from lienrx.workqueue.queries import Filters, work_queue


def _filters() -> Filters:
    args = request.args
    sort = args.get("sort") or rules.DEFAULT_SORT
    return Filters(stage=(args.get("stage") or "").strip(), q=(args.get("q") or "").strip(),
                   sort=sort if sort in rules.SORTS else rules.DEFAULT_SORT,
                   page=page_number(args))


def may_open(endpoint: str) -> bool:
    """Whether the signed-in person's role may open the page an item links to."""
    roles = getattr(current_app.view_functions[endpoint], "allowed_roles", None)
    return roles is None or current_user.role in roles


def queue_url(name: str | None = None, number: int = 1) -> str:
    """The queue page's URL with the current stage, search and sort (and page ``number``
    when ``name`` is given): what the fragment's links and the Refresh link point to."""
    args: dict[str, Any] = request.args.to_dict()
    if name is not None:
        args[name] = str(number)
    return url_for("staff.queue", **args)


def _render(template: str) -> Any:
    queue = work_queue(current_user, _filters())
    return render_template(template, queue=queue, sorts=rules.SORTS, rules=rules,
                           groups=rules.GROUP_TITLES, may_open=may_open, page_url=queue_url,
                           refresh_url=queue_url(), updated_at=clock.local_time(clock.utcnow()),
                           today=clock.today(),
                           refresh_seconds=current_app.config["LIENRX_QUEUE_REFRESH_SECONDS"])


@bp.route("/")
@require_roles(*STAFF)
def queue() -> Any:
    """Show the work queue: counts per stage and the items waiting, oldest first."""
    return _render("staff/queue.html")


@bp.route("/queue/items")
@require_roles(*STAFF)
def queue_items() -> Any:
    """The work queue's counts and list alone, for the page to refresh in place."""
    return _render("staff/_queue_items.html")
