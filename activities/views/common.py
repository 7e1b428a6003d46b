"""What the activities views share: one way to call a service and say what happened."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest

from tsunagari.forms import form_add_service_errors


def attempt(request: HttpRequest, form: Form, act: Callable[[], object], done: str) -> bool:
    """Call one service; on success say `done`, on refusal put its reasons on the form."""
    try:
        act()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, done)
    return True
