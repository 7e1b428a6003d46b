"""Audit, history, note and decision tables are append-only in the database itself
(core.append_only): UPDATE and DELETE refused row by row, TRUNCATE refused for the statement,
from raw SQL as from the ORM."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pgtrigger
import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activities import services as activity_services
from audit.models import AccessLog, BreakGlassAccess, SecurityEvent
from cases.models import (
    CaseEvent,
    CaseNote,
    ClientAssignmentChange,
    ClientMerge,
    RiskFlag,
    SupportAction,
    SupportGoal,
)
from cases.privacy import APPEND_ONLY_LIFTED
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.append_only import NO_TRUNCATE, append_only_models
from core.roles import Role
from followups.tests.factories import FollowUpFactory
from line.models import Conversation, ConversationEvent, LineUser, Message
from line.services.autoreplies import autoreply_text_update
from line.services.inbox import canned_response_save
from line.services.settings import channel_settings_update
from linecare.models import Broadcast, RiskHit, SurveyResponse
from linecare.services import protocols as protocol_services
from linecare.services.triage import risk_expression_save
from openings.models import OpeningException, OpeningRule
from privacy.models import AnonymisationRecord, ConsentWithdrawal, ErasureRequest
from referrals import services as referral_services
from supplies import services as supply_services
from supplies.models import Item

pytestmark = pytest.mark.django_db

# Never changed, never removed.
APPEND_ONLY = [
    "audit.AccessLog",
    "audit.SecurityEvent",
    "audit.BreakGlassAccess",
    "cases.CaseEvent",
    "cases.CaseNote",
    "cases.ClientAssignmentChange",
    "cases.ClientMerge",
    "privacy.AnonymisationRecord",
    "privacy.ConsentWithdrawal",
    # pghistory's event tables
    "accounts.UserEvent",
    "cases.ClientEvent",
    "cases.RiskFlagEvent",
    "cases.ConsultationEvent",
    "cases.CaseHistory",
    "cases.SupportGoalEvent",
    "cases.SupportActionEvent",
    "followups.FollowUpEvent",
    "openings.OpeningRuleEvent",
    "openings.OpeningExceptionEvent",
    "referrals.ReferralTransition",
    "referrals.ProvisionRecord",
    "referrals.PartnerEvent",
    "referrals.ConsentEvent",
    "referrals.ReferralEvent",
    "referrals.AccompanimentEvent",
    "referrals.CoordinationMeetingEvent",
    "referrals.MeetingCaseEvent",
    "line.ConversationEvent",
    "line.AutoReplyTextEvent",
    "line.ChannelSettingsEvent",
    "supplies.StockMovement",
    "supplies.StockCount",
    "supplies.ItemEvent",
    "supplies.PlaceEvent",
    "supplies.StockMinimumEvent",
    "supplies.SiteRequestEvent",
    "activities.PeerSessionEvent",
    "activities.SessionRegistrationEvent",
    "activities.ExpertDayEvent",
    "activities.ExpertBookingEvent",
    "line.CannedResponseEvent",
    "linecare.RiskHit",
    "linecare.ProtocolCall",
    "linecare.RiskExpressionEvent",
    "linecare.ProtocolEvent",
    "linecare.SurveyResponseEvent",
    "linecare.BroadcastEvent",
]
# Decided on the row itself (state, decider, note), so updated; never removed.
NEVER_DELETED = ["privacy.ErasureRequest"]
PROTECTED = APPEND_ONLY + NEVER_DELETED


def table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def refused(sql: str, message: str) -> None:
    """`sql` fails with the trigger's `message` (a PL/pgSQL RAISE EXCEPTION, SQLSTATE P0001),
    in a savepoint the test goes on after."""
    with pytest.raises(ProgrammingError, match=message) as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert error.value.__cause__.sqlstate == "P0001"


@pytest.fixture
def a_row_in_every_table():
    """At least one row in each protected table (row-level triggers fire on rows only)."""
    now = timezone.now()
    staff = UserFactory(username="staff", roles=[Role.SUPERVISOR])
    kept = ClientFactory(created_by=staff)
    merged = ClientFactory(created_by=staff)
    case = CaseFactory(client=kept, opened_by=staff)
    ConsultationFactory(client=kept, case=case, recorded_by=staff)
    RiskFlag.objects.create(client=kept, kind=RiskFlag.Kind.DV_DANGER, set_by=staff)
    SupportGoal.objects.create(case=case, text="住まいを探す", created_by=staff)
    SupportAction.objects.create(
        case=case, description="不動産会社に同行", owner=staff, created_by=staff
    )
    FollowUpFactory(client=kept, assignee=staff, created_by=staff)
    OpeningRule.objects.create(
        weekday=2, start_time=dt.time(14), end_time=dt.time(20), valid_from=now.date()
    )
    OpeningException.objects.create(date=now.date(), kind=OpeningException.Kind.CLOSURE)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.OPENED, actor=staff)
    CaseNote.objects.create(case=case, author=staff, body="初回の面談")
    ClientAssignmentChange.objects.create(
        client=kept, kind=ClientAssignmentChange.Kind.ASSIGNED, changed_by=staff, after=[staff.pk]
    )
    ClientMerge.objects.create(kept=kept, merged=merged, merged_by=staff)
    AccessLog.objects.create(
        user=staff, action="view", object_type="cases.client", object_id=str(kept.pk)
    )
    SecurityEvent.objects.create(kind="login_failed", username="staff")
    BreakGlassAccess.objects.create(
        user=staff,
        object_type="cases.client",
        object_id=str(kept.pk),
        reason="緊急の連絡",
        expires_at=now + dt.timedelta(hours=1),
    )
    ErasureRequest.objects.create(client=merged, received_via="phone", requested_by=staff)
    ConsentWithdrawal.objects.create(
        client=kept, scope="sharing", method="phone", scope_before="all", recorded_by=staff
    )
    AnonymisationRecord.objects.create(client=merged, reason="retention")
    # Referrals, through their services: a partner, a consent, a referral sent on an
    # emergency override (its transitions and provision record), an accompaniment, a meeting.
    partner = referral_services.partner_create(by=staff, name="架空の団体", kind="other")
    referral_services.consent_record(
        client=kept, given_at=now, method="phone", scope=["nickname"], by=staff
    )
    referral = referral_services.referral_create(
        case=case, partner=partner, reason="理由", shared_items=["nickname"], by=staff
    )
    referral_services.referral_send(referral=referral, by=staff, emergency_reason="生命の危険")
    referral_services.accompaniment_book(
        case=case,
        place="区役所",
        starts_at=now + dt.timedelta(days=1),
        counselors=[staff],
        by=staff,
    )
    referral_services.meeting_record(
        held_at=now - dt.timedelta(hours=1),
        title="支援調整会議",
        by=staff,
        cases=[
            referral_services.MeetingCaseInput(
                case=case, shared_items=["nickname"], emergency_reason="生命の危険"
            )
        ],
    )
    # LINE: a conversation's event, a reply text and the settings changed through the services.
    line_user = LineUser.objects.create(line_user_id="U" + "0" * 32, client=kept)
    conversation = Conversation.objects.create(
        line_user=line_user, client=kept, opened_at=now, last_message_at=now, last_incoming_at=now
    )
    ConversationEvent.objects.create(conversation=conversation, kind="started", at=now)
    autoreply_text_update(key="greeting", text="こんにちは", by=staff)
    channel_settings_update(show_line_profile=True, by=staff)
    # Supplies, through their services: a place, a receipt, a count, a minimum, a request.
    storage = supply_services.place_create(by=staff, name="倉庫", site_type="storage")
    site = supply_services.place_create(by=staff, name="配布先", site_type="food_pantry")
    pads = Item.objects.get(code="pads_28")
    pads.save()  # an item history row
    supply_services.stock_receive(item=pads, place=storage, quantity=5, by=staff)
    supply_services.stock_count_record(item=pads, place=storage, counted=4, by=staff)
    supply_services.stock_minimum_set(item=pads, place=storage, quantity=2, by=staff)
    supply_services.site_request_create(site=site, item=pads, quantity=3, by=staff)
    # Activities, through their services: a session with her registered, an expert day with
    # her booked.
    start = now + dt.timedelta(days=2)
    session = activity_services.session_create(
        by=staff,
        title="パステルアート",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        venue="区民センター",
        capacity=5,
    )
    activity_services.session_register(session=session, client=kept, by=staff)
    day = activity_services.expert_day_create(
        kind="legal",
        expert=UserFactory(username="lawyer", roles=[Role.EXPERT]),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        slot_minutes=60,
        by=staff,
    )
    activity_services.expert_book(slot=day.slots.get(), client=kept, referral_note="メモ", by=staff)
    canned_response_save(title="挨拶", text="ご連絡ありがとうございます。", by=staff)
    # LINE care: a hit, a protocol with its call, an expression, a survey.
    message = Message.objects.create(
        conversation=conversation, direction="in", text="死にたい", sent_at=now, status="received"
    )
    RiskHit.objects.create(
        conversation=conversation, message=message, categories=["suicidal"], words=["死にたい"],
        at=now,
    )  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(urgent=True, category="suicidal")
    conversation.refresh_from_db()
    protocol = protocol_services.protocol_open(
        conversation=conversation, by=staff, wish_to_die="yes", plan="no", means="no",
        time_frame="no", alone="yes",
    )  # fmt: skip
    protocol_services.protocol_call_record(
        protocol=protocol, to="ambulance", called_at=now, called_by=staff, consent=True, by=staff
    )
    risk_expression_save(
        category="suicidal", kind="match", phrase="試験の語", active=True, by=staff
    )
    SurveyResponse.objects.create(conversation=conversation, line_user=line_user, sent_at=now)
    Broadcast.objects.create(title="お知らせ", text="本文", created_by=staff)
    for label in PROTECTED:
        assert apps.get_model(label).objects.exists(), label
    # Check the deferred foreign keys now: PostgreSQL refuses to TRUNCATE a table with checks
    # pending in the transaction, before any trigger could answer.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- which tables --------------------------------------------------------------------------


def test_the_protected_tables_are_the_ones_listed_here():
    assert sorted(m._meta.label for m in append_only_models()) == sorted(PROTECTED)


def test_every_history_table_is_append_only():
    """A model newly tracked with pghistory must say `meta=append_only_history()`."""
    events = [
        m._meta.label
        for m in apps.get_models()
        if issubclass(m, pghistory.models.Event) and not m._meta.proxy
    ]
    assert events
    assert set(events) <= set(APPEND_ONLY)


# --- what the database refuses -------------------------------------------------------------


@pytest.mark.parametrize("label", APPEND_ONLY)
def test_update_is_refused(a_row_in_every_table, label):
    t = table(label)
    refused(f"UPDATE {t} SET id = id", f"Cannot update or delete rows from {t} table")


@pytest.mark.parametrize("label", PROTECTED)
def test_delete_is_refused(a_row_in_every_table, label):
    t = table(label)
    refused(f"DELETE FROM {t}", f"Cannot (update or )?delete rows from {t} table")
    assert apps.get_model(label).objects.exists()


@pytest.mark.parametrize("label", PROTECTED)
def test_truncate_is_refused(a_row_in_every_table, label):
    t = table(label)
    # CASCADE: a table other tables point at (an erasure request) cannot be truncated alone.
    refused(f"TRUNCATE {t} CASCADE", f"Cannot truncate {t} table")
    assert apps.get_model(label).objects.exists()


def test_an_erasure_request_is_decided_on_its_row(a_row_in_every_table):
    request = ErasureRequest.objects.get()
    decider = UserFactory(roles=[Role.SUPERVISOR])
    ErasureRequest.objects.filter(pk=request.pk).update(
        state="rejected", decided_by=decider, decided_at=timezone.now(), decision_note="本人確認"
    )
    assert ErasureRequest.objects.get().state == "rejected"


def test_truncating_a_table_that_reaches_them_by_cascade_is_refused(a_row_in_every_table):
    refused("TRUNCATE cases_client CASCADE", "Cannot truncate .* table")
    assert CaseNote.objects.exists()


def test_a_flush_of_every_table_is_refused():
    """What `manage.py flush` runs; the test suite's own flush lifts the trigger (conftest)."""
    sql = connection.ops.sql_flush(no_style(), connection.introspection.django_table_names())
    with pytest.raises(ProgrammingError, match="Cannot truncate"):
        connection.ops.execute_sql_flush(sql)
    assert SecurityEvent.objects.create(kind="login_failed", username="still-here")


# --- lifting: only what a caller names, only in its transaction ----------------------------


class _Undo(Exception):
    pass


def test_pgtrigger_ignore_lifts_the_truncate_trigger_it_names(a_row_in_every_table):
    with pytest.raises(_Undo), transaction.atomic():
        with pgtrigger.ignore(f"audit.AccessLog:{NO_TRUNCATE}"):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE audit_accesslog")
        assert not AccessLog.objects.exists()
        raise _Undo  # roll the savepoint back
    assert AccessLog.objects.exists()
    refused("TRUNCATE audit_accesslog", "Cannot truncate audit_accesslog table")


def test_anonymisation_lifts_updates_but_not_truncate(a_row_in_every_table):
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        refused("TRUNCATE cases_casenote", "Cannot truncate cases_casenote table")
        refused("TRUNCATE cases_clientmerge", "Cannot truncate cases_clientmerge table")
