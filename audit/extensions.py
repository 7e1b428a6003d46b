"""What the audit app contributes to the shared extension points (`core.registry`)."""

from core import registry
from core.roles import Role

# --- the admin: supervisors read the access log (nobody changes it) -------------------------
registry.grant_models(Role.SUPERVISOR, "audit", {"accesslog": ("view",)})


# --- her APPI rights: who accessed her records (disclosed, never anonymised) -----------------
def _register_client_data() -> None:
    from django.utils.translation import gettext_lazy as _

    from . import privacy

    registry.client_data.register(
        registry.ClientDataHolder(
            key="audit", label=_("Access log"), disclose=privacy.disclose, order=100
        )
    )


_register_client_data()
