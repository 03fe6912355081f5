import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class ApiTokenForm(forms.ModelForm):
    # A fresh random number each time the form is shown: the view refuses to make a
    # second token from the same form (a reload of the page that shows a new token).
    form_id = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        required=False,
        initial=lambda: secrets.token_urlsafe(16),
    )

    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": _("What the token is for")}
