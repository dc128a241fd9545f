from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from csrplatform.home import home_sections
from csrplatform.inbox import inbox_items

# The home page lists the first few items of the inbox; the inbox page has them all.
HOME_INBOX_ITEMS = 6


@login_required
def home(request):
    """What waits on the user, then the sections the apps contribute (`home.section`)."""
    items = inbox_items(request.user)
    return render(
        request,
        "home.html",
        {
            "waiting": items[:HOME_INBOX_ITEMS],
            "waiting_count": len(items),
            "sections": home_sections(request.user),
        },
    )


@login_required
def inbox(request):
    return render(request, "inbox.html", {"items": inbox_items(request.user)})


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    """An answer in the API's one error shape, for errors raised outside DRF's views."""
    return JsonResponse({"detail": detail, "code": code, "errors": {}}, status=status)


@csrf_exempt  # like the API's own views: a POST to an unknown address is a 404, not a 403
def api_not_found(request, *args, **kwargs):
    """Any /api/ address that no route matches (an unknown endpoint, or a float where the id
    goes): JSON in every mode, never the debug or HTML page."""
    return api_error(_("Nothing is found at this address."), "not_found", 404)


def page_not_found(request, exception):
    """The product's 404 page; under /api/ the API's error shape."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """Requests Django refuses before any view (too many fields or files, a body over the
    limit): under /api/ in the API's error shape."""
    if request.path.startswith("/api/"):
        return api_error(_("The request is malformed or too large."), "bad_request", 400)
    return defaults.bad_request(request, exception)
