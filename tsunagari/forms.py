"""Form helpers the views of every app share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def form_add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
