"""One page of a list and where it sits in the whole: the items shown and the total.

Every list (the API's arrays, the staff pages) pages through :func:`fetch_page`: one
``COUNT(*)`` over the filtered query, then one query for the page's rows. Nothing is cut
silently: the total travels with the page, so a client or a page can say "51–100 of 312".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import sqlalchemy as sa
from flask import request, url_for

from lienrx.extensions import db

T = TypeVar("T")

AnySelect = sa.Select  # type: ignore[type-arg]  # a select of any columns
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Sequence[T], Generic[T]):
    """The items of page ``page`` (1-based) of ``page_size`` and the ``total`` they come from.

    A page is a sequence of its items, so callers that only iterate keep working.
    """

    items: list[T]
    total: int
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least one, so "page 1 of 1" reads right)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown (0 when none is shown)."""
        return (self.page - 1) * self.page_size + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The 1-based position of the last item shown (0 when none is shown)."""
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @classmethod
    def of_all(cls, items: Iterable[T]) -> Page[T]:
        """Every item on one page (a list that is never cut)."""
        found = list(items)
        return cls(found, len(found), 1, max(1, len(found)))


def count(query: AnySelect) -> int:
    """The number of rows ``query`` selects: one ``COUNT(*)``, no row is loaded."""
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    return int(db.session.execute(counted).scalar_one())


def fetch_page(query: AnySelect, *, page: int = 1, page_size: int | None,
               options: Sequence[Any] = (), scalars: bool = True) -> Page[Any]:
    """Page ``page`` of ``query`` (which must be ordered) and the total it selects.

    ``options`` are loader options for the page's rows only (the count needs none). A page
    beyond the end is empty and still carries the total; no row query is run for it.
    ``page_size=None`` reads every row as one page (the total is then their number).
    """
    if page_size is None:
        result = db.session.execute(query.options(*options))
        return Page.of_all(result.scalars() if scalars else result.all())
    page, page_size = max(1, page), max(1, page_size)
    total = count(query)
    offset = (page - 1) * page_size
    if offset >= total:
        return Page([], total, page, page_size)
    result = db.session.execute(query.options(*options).limit(page_size).offset(offset))
    rows = list(result.scalars() if scalars else result.all())
    return Page(rows, total, page, page_size)


def page_number(args: Mapping[str, str], name: str = "page") -> int:
    """The page asked for in a query string (1 when missing or not a sensible number)."""
    raw = (args.get(name) or "").strip()
    return min(int(raw), 1_000_000) if raw.isdigit() and int(raw) > 0 else 1


def page_url(name: str = "page", number: int = 1) -> str:
    """The current page's URL with its query string kept and page ``name`` set to ``number``
    (for "previous" / "next" links)."""
    args = {**request.args.to_dict(), name: str(number)}
    return url_for(str(request.endpoint), **{**(request.view_args or {}), **args})
