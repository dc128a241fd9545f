"""What every list page and its CSV export share: the scoped, filtered queryset."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse

from csrplatform import access

PAGE_SIZE = 25


@dataclass
class FilteredList:
    filterset: object
    queryset: object
    is_valid: bool

    @property
    def status(self):
        return 200 if self.is_valid else 400


def filtered_list(request, *, queryset, filterset_class) -> FilteredList:
    """Rows the user may see, filtered by the query string through the shared FilterSet.

    Invalid filter values give an empty list and a bound form that names the field.
    """
    filterset = filterset_class(
        request.GET or None, queryset=access.scope(request.user, queryset), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        return FilteredList(filterset, queryset.none(), is_valid=False)
    return FilteredList(filterset, filterset.qs, is_valid=True)


def paginate(request, queryset, per_page=PAGE_SIZE):
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "query_string_without_page": params.urlencode(),
    }


class UncountedPage:
    """A page of a list too long to count on every request (a million KPI figures): one row
    more than the page is read to know whether another page follows."""

    paginator = None

    def __init__(self, rows: list, number: int, per_page: int):
        self.number = number
        self.object_list = rows[:per_page]
        self._more = len(rows) > per_page

    def has_next(self):
        return self._more

    def has_previous(self):
        return self.number > 1

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def paginate_uncounted(request, queryset, per_page=PAGE_SIZE):
    """As `paginate`, without the COUNT: "Previous" and "Next", no page total."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    page_obj = UncountedPage(list(queryset[start : start + per_page + 1]), number, per_page)
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "query_string_without_page": params.urlencode(),
    }


class _Echo:
    def write(self, value):
        return value


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value):
    # A cell starting with a formula character would run in a spreadsheet (CSV injection).
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def stream_csv(filename: str, header: Iterable[str], rows: Iterable, row: Callable):
    """A streamed CSV download: the rows are read in chunks, never held in memory at once."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # lets Excel read UTF-8 (Chinese names) correctly
        yield writer.writerow([str(title) for title in header])
        for item in rows:
            yield writer.writerow([_safe_cell(value) for value in row(item)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
