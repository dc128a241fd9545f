"""Search-as-you-type choice of one object among thousands, in place of a `<select>`.

A `SearchSelect` widget renders a hidden input holding the chosen id and a text box; typing
asks `/lookup/<name>/` (htmx) for the first matches the user may see, and a click on one sets
the id (static/js/search-select.js). The field keeps its scoped queryset, so the chosen id is
validated as before and the API filters by id unchanged; only the rendering differs: the page
reads the one chosen object, never the whole choice set.

Each app registers the lookups of its own models (`register_lookup`), so the core imports no
app; every lookup starts from `access.scope` like any other list, or, for a form whose field
offers a narrower choice, from the very queryset that form validates against (`choices`).

The box sits inside forms that carry htmx attributes of their own (inline validation:
`hx-post`, `hx-swap="none"`, `hx-vals`); htmx attributes are inherited, so the box sets or
unsets every one that would change its lookup, else the matches are fetched but never shown.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from csrplatform import access

#: matches shown per keystroke; enough to pick from, small enough to read
LOOKUP_LIMIT = 20


@dataclass(frozen=True)
class Lookup:
    """Where a search-as-you-type box looks: the rows (before the user's scope), the fields a
    term is matched against, how a row is named, and the related rows that name needs."""

    queryset: Callable[[], QuerySet]
    search_fields: tuple[str, ...]
    label: Callable[[object], str] = str
    select_related: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ()
    action: str = access.VIEW
    #: the rows one form offers, already scoped, built from the lookup request (its user and
    #: the widget's `params`); the same function must give the form field its queryset, so
    #: the box never offers what the form would refuse. Replaces `scope(queryset())`.
    choices: Callable[[HttpRequest], QuerySet] | None = None

    def prepare(self, queryset: QuerySet) -> QuerySet:
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.order_by:
            queryset = queryset.order_by(*self.order_by)
        return queryset

    def rows(self, request: HttpRequest) -> QuerySet:
        """What the box may offer the user of `request`, before the search term."""
        if self.choices is not None:
            return self.choices(request)
        return access.scope(request.user, self.queryset(), self.action)

    def search(self, request: HttpRequest, term: str) -> QuerySet:
        queryset = self.prepare(self.rows(request))
        for word in term.split():
            condition = Q()
            for field_name in self.search_fields:
                condition |= Q(**{f"{field_name}__icontains": word})
            if word.isdigit():
                condition |= Q(pk=int(word))
            queryset = queryset.filter(condition)
        return queryset


_LOOKUPS: dict[str, Lookup] = {}


def register_lookup(name: str, lookup: Lookup) -> Lookup:
    """Make `lookup` answer at /lookup/<name>/ (called from each app's filters module)."""
    _LOOKUPS[name] = lookup
    return lookup


def get_lookup(name: str) -> Lookup:
    try:
        return _LOOKUPS[name]
    except KeyError:
        raise Http404 from None


class SearchSelect(forms.Widget):
    """A hidden id and a text box that searches `/lookup/<lookup>/` as the user types.

    `params` are sent with every search (e.g. the page's pilot, for a lookup whose `choices`
    depend on it)."""

    def __init__(self, lookup: str, attrs=None, params: dict | None = None):
        super().__init__(attrs)
        self.lookup = lookup
        self.params = dict(params or {})
        self.choices = ()  # set by ModelChoiceField; never iterated here

    def selected_label(self, value) -> str:
        """The chosen object's name, read alone (the only query this widget makes)."""
        if value in (None, "", []):
            return ""
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return str(value)
        lookup = get_lookup(self.lookup)
        try:
            chosen = lookup.prepare(queryset).filter(pk=value).first()
        except (ValueError, TypeError):
            chosen = None
        return lookup.label(chosen) if chosen is not None else ""

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        label = self.selected_label(value)
        # An id the user may not see (or that does not exist) is shown as no choice at all.
        value = str(value) if label else ""
        input_id = attrs.get("id") or f"id_{name}"
        options_id = f"{input_id}_options"
        url = reverse("lookup", args=[self.lookup])
        if self.params:
            url = f"{url}?{urlencode(self.params)}"
        return format_html(
            '<span class="search-select" data-search-select>'
            '<input type="hidden" name="{name}" id="{id}" value="{value}">'
            '<input type="search" name="term" form="search-select-none" class="search-select-input"'
            ' value="{label}" placeholder="{placeholder}" autocomplete="off" aria-label="{aria}"'
            ' role="combobox" aria-expanded="false" aria-controls="{options_id}"'
            ' hx-get="{url}" hx-trigger="input changed delay:250ms, search"'
            ' hx-target="#{options_id}" hx-sync="this:replace"'
            # Not inherited from an enclosing form: its swap ("none" for inline validation),
            # its values (only the term and `params` are sent), its URL pushing and the rest.
            ' hx-swap="innerHTML" hx-params="term" hx-push-url="false" hx-replace-url="false"'
            ' hx-select="unset" hx-select-oob="unset" hx-confirm="unset"'
            ' hx-disabled-elt="unset" hx-indicator="unset">'
            '<span class="search-select-options" id="{options_id}" role="listbox"></span>'
            "</span>",
            name=name,
            id=input_id,
            value=value,
            label=label,
            placeholder=_("Type to search…"),
            aria=attrs.get("aria-label", _("Search")),
            options_id=options_id,
            url=url,
        )


@login_required
@require_GET
def lookup_view(request, name):
    """The first matches of a search-as-you-type box, as buttons (an htmx partial)."""
    lookup = get_lookup(name)
    term = request.GET.get("term", "").strip()[:100]
    rows = list(lookup.search(request, term)[: LOOKUP_LIMIT + 1])
    more = len(rows) > LOOKUP_LIMIT
    items = format_html_join(
        "",
        '<button type="button" class="search-select-option" role="option" data-value="{}">'
        "{}</button>",
        ((row.pk, lookup.label(row)) for row in rows[:LOOKUP_LIMIT]),
    )
    if not rows:
        items = format_html('<span class="muted">{}</span>', _("No match."))
    elif more:
        items = format_html(
            '{}<span class="muted">{}</span>', items, _("More match: type more to narrow.")
        )
    return HttpResponse(items)
