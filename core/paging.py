"""One page size and one paginator for every list."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 50


class _CountedPaginator(Paginator):
    """A paginator given its row count, already counted elsewhere (one query less)."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


def paginate(
    request: HttpRequest, object_list, *, per_page: int = PAGE_SIZE, count: int | None = None
) -> Page:
    """The page `?page=` asks for; a missing, garbled or out-of-range number gives the first
    or last page rather than an error. `count`, when already known, saves the COUNT query."""
    paginator = (
        Paginator(object_list, per_page)
        if count is None
        else _CountedPaginator(object_list, per_page, count=count)
    )
    return paginator.get_page(request.GET.get("page"))
