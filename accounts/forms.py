from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "language", "daily_digest"]
        labels = {
            "display_name": _("Display name"),
            "language": _("Language"),
            "daily_digest": _("Morning digest of follow-ups"),
        }
