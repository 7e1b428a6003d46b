"""Which model permissions each role holds.

Groups are created by a data migration; permissions are synced after every migrate, because
a model's permissions only exist once its app has migrated (later apps add theirs here).
"""

from django.contrib.auth.models import Group, Permission

from core.roles import Role

# What counselors and supervisors both hold: the casework records.
_CASEWORK: dict[str, dict[str, tuple[str, ...]]] = {
    "cases": {
        "client": ("view", "add", "change"),
        "consultation": ("view", "add", "change"),
        "case": ("view", "add", "change"),
        "casenote": ("view", "add"),
        "riskflag": ("view", "add", "change"),
    },
    "followups": {"followup": ("view", "add", "change")},
}

# app_label -> model -> actions, per role. Object-level scoping is done in selectors.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.COUNSELOR: _CASEWORK,
    Role.COORDINATOR: {},
    Role.SUPERVISOR: {
        "accounts": {"user": ("view",)},
        "audit": {"accesslog": ("view",)},
        **_CASEWORK,
        "openings": {
            "openingrule": ("view", "add", "change", "delete"),
            "openingexception": ("view", "add", "change", "delete"),
        },
    },
    Role.EXPERT: {},
}


def sync_role_permissions(**kwargs) -> None:
    """Give each role's group exactly its listed permissions (those that exist by now)."""
    wanted = {
        role: {
            (app_label, f"{action}_{model}")
            for app_label, models in ROLE_PERMISSIONS.get(role, {}).items()
            for model, actions in models.items()
            for action in actions
        }
        for role in Role
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
