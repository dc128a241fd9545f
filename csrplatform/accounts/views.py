"""The user's profile page: memberships and API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ApiTokenForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke


def _profile_context(request, form=None, new_key=None):
    return {
        "memberships": request.user.memberships.select_related("organisation"),
        "tokens": request.user.api_tokens.all(),
        "form": form or ApiTokenForm(),
        "new_key": new_key,
    }


@login_required
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", _profile_context(request, form), status=400)
    _token, raw_key = api_token_create(user=request.user, **form.cleaned_data)
    # The key is shown on this response only; only its hash is kept.
    response = render(request, "accounts/profile.html", _profile_context(request, new_key=raw_key))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")
