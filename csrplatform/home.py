"""The home page: what each user should look at first, gathered from the apps.

Apps contribute sections with the `@section` decorator in their `home.py` (as they contribute
inbox sources in `inbox.py`); `csrplatform.apps` imports those modules when Django starts, so
this module imports no app. Each section reads in a fixed number of queries, whatever the data.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class HomeSection:
    """One card of the home page, rendered with its own template."""

    key: str
    title: str
    template: str
    order: int = 100
    context: dict = field(default_factory=dict)


HomeSource = Callable[[object], "HomeSection | None"]
_SOURCES: list[HomeSource] = []


def section(func: HomeSource) -> HomeSource:
    """Register `func(user) -> HomeSection | None` (None: nothing to show this user)."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def home_sections(user) -> list[HomeSection]:
    sections = [found for gather in _SOURCES if (found := gather(user)) is not None]
    return sorted(sections, key=lambda shown: (shown.order, shown.key))
