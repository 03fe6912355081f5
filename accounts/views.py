"""The officer's account: log in and out, and their personal API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cities.models import City

from .forms import ApiTokenForm
from .models import ApiToken

# The form's one-time numbers already used, kept in the session (they are not secret),
# so that reloading the page that shows a new token cannot make a second one.
USED_FORM_IDS_SESSION_KEY = "accounts:used_token_form_ids"


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens, and a form for a new one.

    A new token's value is in the response to the POST that makes it, and nowhere
    else: it is never stored (not even in the session), so it cannot be shown again.
    """
    form = ApiTokenForm(request.POST or None)
    new_token = None
    status = 200
    if request.method == "POST":
        used = request.session.get(USED_FORM_IDS_SESSION_KEY, [])
        form_id = form.cleaned_data.get("form_id") if form.is_valid() else ""
        if form_id and form_id in used:
            messages.info(
                request,
                _(
                    "That token was already made, and its value shown once. If you "
                    "did not copy it, revoke it and make another."
                ),
            )
            return redirect("accounts:tokens")
        if form.is_valid():
            _record, new_token = ApiToken.issue(
                user=request.user, name=form.cleaned_data["name"]
            )
            request.session[USED_FORM_IDS_SESSION_KEY] = [
                *used[-19:],
                form_id,
            ]
            form = ApiTokenForm()
        else:
            status = 400
    context: dict[str, Any] = {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "editable_cities": City.objects.editable_by(request.user).order_by("name"),
        "memberships": request.user.city_memberships.select_related("city"),
    }
    return render(request, "accounts/apitoken_list.html", context, status=status)


@require_POST
@login_required
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens.active(), pk=pk)
    token.revoke()
    messages.success(
        request, _("The token “%(name)s” is revoked.") % {"name": token.name}
    )
    return redirect("accounts:tokens")
