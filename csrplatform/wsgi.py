"""WSGI entry point (gunicorn csrplatform.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csrplatform.settings")
application = get_wsgi_application()

#: Young collections every 10,000 allocations, not 700. A list request allocates some
#: 100,000 objects (querysets cloned, rows, serializer fields), almost none of them in cycles.
GC_THRESHOLDS = (10_000, 20, 100)


def settle_for_serving() -> None:
    """Import the views now and leave everything loaded out of the garbage collector's scans.
    Each full collection walked the whole loaded program (Django, DRF, matplotlib, the app):
    on csr_bench's API lists, garbage collection took 16 ms of a request's 80 ms of CPU on
    average; frozen and with `GC_THRESHOLDS`, 7."""
    get_resolver().url_patterns  # noqa: B018 - imports every view, serializer and filter
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


settle_for_serving()
