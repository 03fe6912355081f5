from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The data generators, not the domain: the demo content built from the seed
    documents (`content`, `manage.py load_demo_content`) and the synthetic cases for
    load tests (`synthetic`, `manage.py generate_synthetic_data`). No models."""

    name = "demo"
    verbose_name = _("Demo and synthetic data")
