from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from csrplatform.inbox import inbox_items


@login_required
def home(request):
    return render(request, "home.html")


@login_required
def inbox(request):
    return render(request, "inbox.html", {"items": inbox_items(request.user)})


def page_not_found(request, exception):
    """The product's 404 page; under /api/ the API's error shape, so that a client never gets
    HTML (an id that is not a number matches no route at all)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Nothing is found at this address."), "code": "not_found", "errors": {}},
            status=404,
        )
    return defaults.page_not_found(request, exception)
