from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The base layer every app may depend on; it depends on no app of ours.

    Its `ready()` imports the `capabilities` and `extensions` modules of every installed app
    (as the admin finds `admin` modules): there an app registers its capabilities
    (`core.authz`) and everything else it contributes to the extension points of
    `core.registry`. Every model is loaded before any `ready()` runs, so those modules may
    import models freely.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)

        autodiscover_modules("capabilities", "extensions")
