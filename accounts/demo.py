"""Demo staff: one fictitious login per role and a small counselor team (no superuser).

Registered as the "accounts" demo seeder (`accounts/extensions.py`). The logins survive
`seed_demo --reset`, so the passwords printed the first time keep working.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet

from core.registry import DemoContext
from core.roles import Role

from .models import User

# username, display name, roles. Fictitious staff; one login per role, and a small team.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("counselor1", "青木 ゆかり", (Role.COUNSELOR,)),
    ("counselor2", "石田 真理子", (Role.COUNSELOR,)),
    ("counselor3", "上野 智美", (Role.COUNSELOR,)),
    ("counselor4", "遠藤 彩", (Role.COUNSELOR,)),
    ("counselor5", "岡本 恵", (Role.COUNSELOR,)),
    ("coordinator1", "木村 千尋", (Role.COORDINATOR,)),
    ("supervisor1", "小林 和子", (Role.SUPERVISOR,)),
    ("expert1", "佐々木 聡子（弁護士）", (Role.EXPERT,)),
    ("expert2", "高橋 舞（助産師）", (Role.EXPERT,)),
)
DEMO_USERNAMES = tuple(u[0] for u in DEMO_USERS)
COUNSELORS = tuple(u[0] for u in DEMO_USERS if Role.COUNSELOR in u[2])
SUPERVISOR = "supervisor1"
LEGAL_EXPERT = "expert1"
HEALTH_EXPERT = "expert2"


def demo_users() -> QuerySet[User]:
    """The demo logins (what other apps' seeders recognise their demo rows by)."""
    return User.objects.filter(username__in=DEMO_USERNAMES)


def seed(ctx: DemoContext) -> Mapping[str, int]:
    """Create the missing demo logins; leave `ctx.shared["users"]` = {username: id}."""
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    existing = {u.username: u for u in demo_users()}
    created: list[tuple[str, str]] = []
    for username, display_name, roles in DEMO_USERS:
        if username in existing:
            continue
        password = secrets.token_urlsafe(12)
        user = User(username=username, display_name=display_name, email=f"{username}@example.org")
        user.set_password(password)
        user.save()
        user.groups.set([groups[r] for r in roles])
        existing[username] = user
        created.append((username, password))
    ctx.shared["users"] = {name: u.pk for name, u in existing.items()}
    if created:
        # Shown here once and nowhere else; they are not stored in clear anywhere.
        ctx.notices.append("Demo logins created (write the passwords down now):")
        ctx.notices.extend(f"  {username:<14} {password}" for username, password in created)
    else:
        ctx.notices.append("Demo logins already existed; their passwords are unchanged.")
    return {"logins": len(existing), "new": len(created)}


def delete(ctx: DemoContext) -> int:
    """Nothing: the logins are kept, so the passwords written down the first time still work
    (and their history stays, as every change of a login's roles must)."""
    return 0


def tables() -> tuple[type[Model], ...]:
    return (User,)
