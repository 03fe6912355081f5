from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InnovationCasesConfig(AppConfig):
    name = "innovation_cases"
    verbose_name = _("Innovation cases")

    def ready(self) -> None:
        from . import cache_signals, checks  # noqa: F401 (checks registers)
        from .engine import journal

        cache_signals.connect()
        journal.connect()
