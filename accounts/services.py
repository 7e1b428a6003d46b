from django.db import transaction

from .models import User


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, language: str, daily_digest: bool
) -> User:
    user.display_name = display_name
    user.language = language
    user.daily_digest = daily_digest
    user.save(update_fields=["display_name", "language", "daily_digest"])
    return user
