"""System checks for a deployment (`manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def unchecked_case_images(**kwargs: Any) -> list[checks.CheckMessage]:
    """Without SERVE_MEDIA, Django does not see the requests for case images, so it
    cannot keep the images of unpublished cases to their city's members."""
    if settings.SERVE_MEDIA:
        return []
    return [
        checks.Warning(
            "SERVE_MEDIA is off: whatever serves MEDIA_ROOT serves the images of "
            "drafts, archived cases and pending revisions to anyone with their URL.",
            hint=(
                "Set SERVE_MEDIA=true, and MEDIA_ACCEL_REDIRECT to let the web server "
                "send the files Django allows (see the README)."
            ),
            id="innovation_cases.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def site_url_for_mail(**kwargs: Any) -> list[checks.CheckMessage]:
    """A review decision is mailed outside any request: its link is under SITE_URL
    (core/mail.py), which must be the site's public https address."""
    if (
        settings.SITE_URL.startswith("https://")
        and "127.0.0.1" not in settings.SITE_URL
    ):
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the links in the review decisions' "
            "mails lead there.",
            hint="Set SITE_URL to the site's public address, e.g. https://atlas.example.eu.",
            id="innovation_cases.W002",
        )
    ]
