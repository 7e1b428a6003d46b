"""What the audit app contributes to the shared extension points (`core.registry`)."""

from core import registry
from core.roles import Role

# --- the admin: supervisors read the access log (nobody changes it) -------------------------
registry.grant_models(Role.SUPERVISOR, "audit", {"accesslog": ("view",)})
