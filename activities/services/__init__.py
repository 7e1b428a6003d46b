"""Every write of the activities app: one named service per state change."""

from .experts import (
    expert_book,
    expert_booking_cancel,
    expert_booking_no_show,
    expert_bookings_merge_move,
    expert_consultation_record,
    expert_day_cancel,
    expert_day_consultation_attach,
    expert_day_create,
    her_open_case,
)
from .sessions import (
    registration_withdraw,
    session_anonymous_set,
    session_attendance_record,
    session_cancel,
    session_create,
    session_register,
    session_registrations_merge_move,
    session_update,
)

__all__ = [
    "expert_book",
    "expert_booking_cancel",
    "expert_booking_no_show",
    "expert_bookings_merge_move",
    "expert_consultation_record",
    "expert_day_cancel",
    "expert_day_consultation_attach",
    "expert_day_create",
    "her_open_case",
    "registration_withdraw",
    "session_anonymous_set",
    "session_attendance_record",
    "session_cancel",
    "session_create",
    "session_register",
    "session_registrations_merge_move",
    "session_update",
]
