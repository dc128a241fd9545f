"""503 Service Unavailable while the database cannot be reached.

When PostgreSQL restarts or fails over, a query raises OperationalError (or InterfaceError on
a connection that broke). Left alone that is a 500 with a traceback in the log for every
request; it is an outage the client should wait out, so the answer is a 503 with Retry-After:
JSON in the API's error shape, a short page elsewhere. Nothing else is needed to recover: the
connection that failed is closed at the end of the request (its error is recorded) and the
next request opens a new one (`conn_health_checks`).

Django turns an exception raised inside a middleware into a 500 before an outer middleware sees
it, so this one sits just after AuthenticationMiddleware and loads the session's user itself,
the first query of a signed-in request; a view's errors (DRF re-raises those it does not
handle) reach `process_exception`.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("django.request")

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: Seconds a client is asked to wait: a restart of PostgreSQL takes a few.
RETRY_AFTER_SECONDS = 5


#: PostgreSQL's codes for a server that is away: connection exceptions (class 08) and
#: "admin shutdown", "crash shutdown", "cannot connect now" (57P01-57P03).
_AWAY_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc) -> bool:
    """Whether `exc` says the database cannot be reached, as opposed to a statement's own
    failure that Django also raises as OperationalError (a deadlock, a cancelled query,
    SQLite's "database is locked"), which stays a 500 with its traceback."""
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return False
    if isinstance(exc, InterfaceError):
        return True  # a connection that is already closed or broken
    cause = exc.__cause__
    if cause is None:
        return True
    if hasattr(cause, "sqlstate"):  # psycopg: no code at all when the connection failed
        return cause.sqlstate is None or cause.sqlstate.startswith(_AWAY_STATES)
    return False


def unavailable_response(request, exc) -> HttpResponse:
    logger.error(
        "Service Unavailable (database: %s): %s",
        str(exc).strip() or exc.__class__.__name__,
        request.path,
        extra={"status_code": 503, "request": request},
    )
    message = _(
        "The service is unavailable for a moment: its database cannot be reached. "
        "Please try again in a few seconds."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "code": "service_unavailable", "errors": {}}, status=503
        )
    else:
        # No request context: the context processors would query the database again.
        body = loader.get_template("503.html").render({"message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above, once: Django's own log of every 5xx would repeat it.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            try:
                user.is_authenticated  # noqa: B018 -- loads the session and its user
            except DATABASE_UNAVAILABLE as exc:
                if not database_unreachable(exc):
                    raise
                return unavailable_response(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unreachable(exception):
            return unavailable_response(request, exception)
        return None
