"""The site's mail, in one place: every mail (invitations, role notices, password
resets, review decisions) is rendered and encoded here.

A mail is a subject (one line), a plain-text body and an HTML alternative, rendered
from three templates. Every link in it is absolute, and stands on a line of its own in
the text part, so that a reader (or a console) can copy it whole.

The text parts go out as UTF-8 with Content-Transfer-Encoding 8bit, or base64 when a
line is too long for 8bit (998 octets, RFC 5322), and never as quoted-printable:
quoted-printable breaks lines longer than 76 characters with a trailing `=`, and a link
copied from such a mail (or from the console backend's output) is cut in two.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage as MIMEMessage
from email.policy import Policy
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

# RFC 5322, 2.1.1: a line is at most 998 characters (octets, here) without its CRLF.
MAX_LINE_OCTETS = 998


def transfer_encoding(text: str) -> str:
    """8bit when every line of `text`, in UTF-8, fits in a mail's line; else base64."""
    lines = text.encode("utf-8").splitlines()
    longest = max((len(line) for line in lines), default=0)
    return "8bit" if longest <= MAX_LINE_OCTETS else "base64"


class SiteMail(EmailMultiAlternatives):
    """Django's message, with its text parts encoded as 8bit or base64.

    Django leaves the choice to the standard library's heuristics (set_content() with
    no `cte`), which pick quoted-printable for any line over 78 characters: every mail
    with a link in it. message() is the one public step every mail backend goes through
    (the SMTP backend with email.policy.SMTP, the console, file and memory backends
    with the default), so the text parts are set again here, with the encoding chosen
    above. Overriding the private _add_bodies() instead would mean copying its loop
    over the alternatives.
    """

    def message(self, *, policy: Policy | None = email.policy.default) -> MIMEMessage:
        msg: MIMEMessage = super().message(policy=policy)
        for part in msg.walk():
            if part.get_content_maintype() != "text" or part.is_attachment():
                continue
            text = part.get_content()
            part.set_content(
                text,
                subtype=part.get_content_subtype(),
                charset="utf-8",
                cte=transfer_encoding(text),
            )
        return msg


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` as an absolute URL: on the request's host when there is a request, else
    under SITE_URL (a mail sent once a transaction commits, or by a command)."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def site_mail(
    *,
    to: list[str],
    subject_template: str,
    text_template: str,
    html_template: str,
    context: dict[str, Any],
    request: HttpRequest | None = None,
) -> SiteMail:
    """The mail made from the three templates, ready to send().

    The HTML template gets the subject too, as `subject` (for its <title>).
    """
    # One line, whatever the context holds: a line break in a subject would start
    # another header, and Django refuses such a mail outright.
    subject = " ".join(render_to_string(subject_template, context, request).split())
    text = render_to_string(text_template, context, request)
    html = render_to_string(html_template, {**context, "subject": subject}, request)
    message = SiteMail(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message
