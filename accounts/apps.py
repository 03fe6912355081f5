from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    # The app's own configuration, of the two in this module ("accounts" in
    # INSTALLED_APPS).
    default = True
    name = "accounts"
    verbose_name = _("Accounts")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site that asks for the second factor."""

    default = False  # Named in INSTALLED_APPS by its path.
    default_site = "accounts.admin_site.AdminSite"
