"""Form helpers the views of every app share."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest


def form_add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def form_attempt(request: HttpRequest, form: Form, act: Callable[[], object], done: str) -> bool:
    """Call one service for a submitted form: on success say `done`, on refusal put its
    reasons on the form (which then re-renders, 400). True when it succeeded."""
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
