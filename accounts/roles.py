"""Which model permissions each role holds.

Groups are created by a data migration; permissions are synced after every migrate, because
a model's permissions only exist once its app has migrated (later apps add theirs here).
"""

from django.contrib.auth.models import Group, Permission

from .models import Role

# app_label -> model -> actions, per role. Object-level scoping is done in selectors.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.COUNSELOR: {
        "cases": {
            "client": ("view", "add", "change"),
            "consultation": ("view", "add", "change"),
            "case": ("view", "add", "change"),
            "casenote": ("view", "add"),
            "riskflag": ("view", "add", "change"),
        },
        "followups": {"followup": ("view", "add", "change")},
    },
    Role.COORDINATOR: {},
    Role.SUPERVISOR: {
        "accounts": {"user": ("view",)},
        "audit": {"accesslog": ("view",)},
        "cases": {
            "client": ("view", "add", "change"),
            "consultation": ("view", "add", "change"),
            "case": ("view", "add", "change"),
            "casenote": ("view", "add"),
            "riskflag": ("view", "add", "change"),
        },
        "followups": {"followup": ("view", "add", "change")},
        "openings": {
            "openingrule": ("view", "add", "change", "delete"),
            "openingexception": ("view", "add", "change", "delete"),
        },
    },
    Role.EXPERT: {},
}


def sync_role_permissions(**kwargs) -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for app_label, models in ROLE_PERMISSIONS.get(role, {}).items():
            for model, actions in models.items():
                codenames = [f"{action}_{model}" for action in actions]
                wanted.extend(
                    Permission.objects.filter(
                        content_type__app_label=app_label, codename__in=codenames
                    )
                )
        group.permissions.set(wanted)
