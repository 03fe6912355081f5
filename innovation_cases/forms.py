"""Forms of the workspace, where officers and reviewers move cases through review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CommentForm(forms.Form):
    """A reviewer's comment on a decision. Blank is allowed here: the model method
    says when a comment is required (to request changes, or to reject), so the rule
    is written once."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Sent to the officer with your decision. Required to request changes "
            "or to reject."
        ),
    )
