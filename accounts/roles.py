"""Which model permissions each role holds: the apps' `core.registry.role_grants`.

Model permissions serve the Django admin only (pages ask `core.authz`). Groups are created by a
data migration; permissions are synced after every migrate, because a model's permissions only
exist once its app has migrated.
"""

from django.contrib.auth.models import Group, Permission

from core import registry
from core.roles import Role


def sync_role_permissions(**kwargs) -> None:
    """Give each role's group exactly its registered permissions (those that exist by now)."""
    wanted: dict[str, set[tuple[str, str]]] = {role: set() for role in Role}
    for grant in registry.role_grants:
        wanted[grant.role] |= {
            (grant.app_label, f"{action}_{grant.model}") for action in grant.actions
        }
    # One query for every permission any role needs, not one per model.
    existing = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={app for keys in wanted.values() for app, _ in keys}
        )
    }
    for role, keys in wanted.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([existing[key] for key in keys if key in existing])
