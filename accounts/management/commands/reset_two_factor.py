from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp import devices_for_user

from accounts.two_factor import second_factor_remove


class Command(BaseCommand):
    help = (
        "Reset a user's two-factor log-in (a lost phone and no recovery code left): "
        "removes their authenticator app and recovery codes, so that they set up a "
        "new one at their next log-in. Staff do the same in the admin (Users, action "
        "“Reset the two-factor log-in”); this is for when no staff member can log in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be removed, and remove nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["username"])
        except user_model.DoesNotExist:
            raise CommandError(f"No user is named {options['username']!r}.") from None
        devices = list(devices_for_user(user, confirmed=None))
        if not devices:
            self.stdout.write(f"{user.get_username()} has no second factor to reset.")
            return
        names = ", ".join(sorted({device.name for device in devices}))
        if options["dry_run"]:
            self.stdout.write(f"Would remove from {user.get_username()}: {names}.")
            return
        second_factor_remove(user=user)
        # In the admin's log beside the resets made there (no staff member made it).
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=(
                "Reset the two-factor log-in with manage.py reset_two_factor: the "
                "authenticator app and the recovery codes are removed."
            ),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed from {user.get_username()}: {names}. They set up a new "
                "authenticator app at their next log-in."
            )
        )
