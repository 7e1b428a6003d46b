"""Every write of the referrals app, one transaction each.

Modules: partners (the directory, CSV import and export), referrals (consent, referrals and
their transitions, provision records, reminders), accompaniments, meetings. The names are
re-exported here: `from referrals import services; services.referral_send(...)`.
"""

from .accompaniments import (
    accompaniment_book,
    accompaniment_cancel,
    accompaniment_record_outcome,
)
from .meetings import MeetingAction, MeetingCaseInput, meeting_record
from .partners import (
    PartnerImportError,
    PartnerImportResult,
    partner_create,
    partner_set_active,
    partner_update,
    partners_export_csv,
    partners_export_xlsx,
    partners_import_csv,
)
from .referrals import (
    consent_record,
    consent_withdraw,
    referral_accept,
    referral_complete,
    referral_create,
    referral_decline,
    referral_send,
    referral_start,
    referral_withdraw,
    referrals_merge_move,
    referrals_merge_preview,
    referrals_settle_for_case,
)

__all__ = [
    "MeetingAction",
    "MeetingCaseInput",
    "PartnerImportError",
    "PartnerImportResult",
    "accompaniment_book",
    "accompaniment_cancel",
    "accompaniment_record_outcome",
    "consent_record",
    "consent_withdraw",
    "meeting_record",
    "partner_create",
    "partner_set_active",
    "partner_update",
    "partners_export_csv",
    "partners_export_xlsx",
    "partners_import_csv",
    "referral_accept",
    "referral_complete",
    "referral_create",
    "referral_decline",
    "referral_send",
    "referral_start",
    "referral_withdraw",
    "referrals_merge_move",
    "referrals_merge_preview",
    "referrals_settle_for_case",
]
