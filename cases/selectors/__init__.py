"""Reads scoped to the requesting user. Access rules live in `access`; every other selector
starts from those querysets."""

from .access import (
    case_get_for,
    cases_visible_to,
    client_get_for,
    clients_visible_to,
    consultation_get_for,
    consultations_visible_to,
)

__all__ = [
    "case_get_for",
    "cases_visible_to",
    "client_get_for",
    "clients_visible_to",
    "consultation_get_for",
    "consultations_visible_to",
]
