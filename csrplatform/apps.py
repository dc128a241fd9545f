from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The platform core. When Django starts it gathers every app's access rules (`rules.py`),
    inbox sources (`inbox.py`) and home-page sections (`home.py`), so the core itself imports
    no app."""

    name = "csrplatform"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self):
        autodiscover_modules("rules", "inbox", "home")
