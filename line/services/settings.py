"""The channel's settings (supervisors)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz

from ..models import ChannelSettings


@transaction.atomic
def channel_settings_update(*, show_line_profile: bool, by: User) -> ChannelSettings:
    if not authz.is_supervisor(by):
        raise PermissionDenied(_("Only supervisors change the LINE settings."))
    row, _created = ChannelSettings.objects.select_for_update().get_or_create(pk=1)
    row.show_line_profile = show_line_profile
    row.updated_by = by
    row.save(update_fields=["show_line_profile", "updated_by", "updated_at"])
    return row
