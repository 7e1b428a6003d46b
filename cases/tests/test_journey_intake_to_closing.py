"""From a LINE chat to a closed case, in real Chromium with a real Celery worker on Redis.

A counselor searches, registers the woman she has just talked with on LINE together with the
consultation, opens a case from it and promises a call-back in about a minute. The beat's sweep
task runs on the worker and reminds her in the app; she asks to close the case, and a supervisor,
in a browser of her own, approves. The database is checked at the end: states, the one reminder,
and the access log.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from celery.signals import task_postrun
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, CaseEvent, Client, Consultation
from conftest import screenshot, totp_code, totp_device
from followups.models import FollowUp
from followups.tasks import sweep_due
from notifications.models import Notification

TOKYO = ZoneInfo("Asia/Tokyo")
# Screenshots land in the system temp directory for a person to look at.
NICKNAME = "さくら"
WHAT = "住まい探しの進み具合を電話で確認"


def _wait_for(predicate: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus (date-time inputs take several stops)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"journey-{name}")


class _FinishedTasks:
    """Ids of the tasks the in-process worker has finished (celery's task_postrun)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, sender=None, task_id=None, **kwargs) -> None:
        with self._lock:
            self.ids.add(task_id)

    def wait(self, task_id: str, what: str) -> None:
        _wait_for(lambda: task_id in self.ids, timeout=30, what=what)


@pytest.fixture
def finished():
    tasks = _FinishedTasks()
    task_postrun.connect(tasks, weak=False)
    yield tasks
    task_postrun.disconnect(tasks)


@pytest.mark.browser
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_line_intake_to_reminder_to_supervised_closing(
    celery_worker, finished, browser, live_server, page, login, password, counselor, supervisor
):
    counselor.display_name = "相談員 佐藤"
    counselor.save(update_fields=["display_name"])
    supervisor.display_name = "SV 田中"
    supervisor.save(update_fields=["display_name"])

    # --- the counselor, right after a LINE chat ------------------------------------------
    login(counselor)
    nav = page.get_by_role("navigation", name="メインナビゲーション")
    nav.get_by_role("link", name="新規受付").click()
    expect(page.get_by_role("heading", name="新規受付")).to_be_visible()

    # Search first: nobody is called さくら yet.
    search = page.get_by_label("ニックネーム・LINEユーザーID・電話番号")
    expect(search).to_be_focused()
    page.keyboard.type(NICKNAME)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="該当：0件")).to_be_visible()
    expect(page.get_by_role("link", name="この方の相談を記録")).to_have_count(0)
    _shot(page, "01-search-no-match")

    register = page.get_by_role("button", name="新しい相談者として登録")
    register.focus()
    page.keyboard.press("Enter")

    # One form: who she is and what she talked about, filled in mostly by keyboard.
    expect(page.get_by_role("heading", name="新しい相談者の登録と相談の記録")).to_be_visible()
    expect(page.get_by_label("ニックネーム")).to_have_value(NICKNAME)
    expect(page.get_by_label("相談経路")).to_have_value(Consultation.Kind.LINE)
    page.get_by_label("主訴").select_option(Consultation.MainConcern.HOUSING)
    _tab_to(page, "id_topics_0")
    page.keyboard.press("Space")  # 生活困窮
    page.get_by_role("checkbox", name="孤独・孤立").check()
    _tab_to(page, "id_summary")
    page.keyboard.type("家を出たいが行き先がない。区役所の窓口を一緒に考えた。")
    _shot(page, "02-intake-form")
    _tab_to(page, "id_line_user_id")
    page.keyboard.press("Enter")  # Enter in a text box submits the form

    # Her page: the consultation is recorded.
    expect(page).to_have_url(re.compile(r"/cases/clients/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        f"{NICKNAME}さんを登録し、相談を記録しました。"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(NICKNAME)
    consultations = page.get_by_role("region", name="相談", exact=True)
    expect(consultations.get_by_role("cell", name="LINE相談")).to_be_visible()
    expect(consultations.get_by_role("cell", name="住居問題・帰住先なし")).to_be_visible()
    _shot(page, "03-client")

    # From the consultation, open a case.
    consultations.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LINE相談")
    page.get_by_role("link", name="ケースを開始").click()
    expect(page.get_by_role("heading", name="ケースを開始")).to_be_visible()
    expect(page.get_by_role("checkbox", name="相談員 佐藤")).to_be_checked()
    page.get_by_label("件名").fill("住まいの確保")
    page.get_by_role("button", name="ケースを開始する").click()
    expect(page.get_by_role("status").first).to_contain_text("ケースを開始しました")
    case_heading = page.get_by_role("heading", level=1)
    expect(case_heading).to_contain_text("住まいの確保")
    case_pk = int(re.search(r"/cases/(\d+)/$", page.url).group(1))
    case_url = page.url

    # A follow-up due at the next whole minute at least 20 s away, in Tokyo time.
    page.get_by_role("link", name="フォローアップを追加").click()
    expect(page.get_by_role("heading", name="フォローアップの登録")).to_be_visible()
    due_local = (
        timezone.localtime(timezone.now(), TOKYO) + datetime.timedelta(seconds=80)
    ).replace(second=0, microsecond=0)
    page.get_by_label("やること").fill(WHAT)
    page.get_by_label("期限").fill(due_local.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("担当者")).to_have_value(str(counselor.pk))  # herself
    _shot(page, "04-followup-form")
    page.get_by_label("期限").press("Enter")

    # Back on the case page, the follow-up is in the timeline.
    expect(page).to_have_url(case_url)
    expect(page.get_by_role("status").first).to_contain_text("フォローアップを登録しました。")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"フォローアップ登録：{WHAT}")
    followup = FollowUp.objects.get(case_id=case_pk)
    assert followup.due_at == due_local
    assert followup.assignee == counselor and followup.state == FollowUp.State.PENDING

    # A sweep before the due time reminds nobody.
    early = sweep_due.delay()
    finished.wait(early.id, "the early sweep")
    assert timezone.now() < followup.due_at, "the early sweep ran too late to prove anything"
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.PENDING
    assert not Notification.objects.filter(kind=Notification.Kind.FOLLOWUP_DUE).exists()

    # The minute passes; then the beat's task runs on the worker.
    _wait_for(lambda: timezone.now() >= followup.due_at, timeout=90, what="the due time")
    sweep = sweep_due.delay()
    finished.wait(sweep.id, "the sweep after the due time")
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.NOTIFIED

    # The reminder is in her notifications, and the badge counts it.
    page.reload()
    badge = page.locator("#unread-count")
    expect(badge).to_have_text(re.compile(r"^\s*未読\s*1\s*$"))
    nav.get_by_role("link", name=re.compile("^お知らせ")).click()
    expect(page.get_by_role("heading", name="お知らせ")).to_be_visible()
    reminder = page.get_by_role("button", name=re.compile(f"フォローアップの期限です：{NICKNAME}"))
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text(WHAT)
    expect(reminder).to_contain_text("未読")
    _shot(page, "05-notifications")

    # Opening it marks it read and shows the follow-up, which links back to the case.
    reminder.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WHAT)
    expect(page.get_by_text("通知済")).to_be_visible()
    expect(badge).to_have_count(0)
    page.get_by_role("link", name="住まいの確保").click()
    expect(page).to_have_url(case_url)

    # She asks to close the case.
    page.locator("summary", has_text="終結を申請").click()  # forms open on demand
    page.get_by_label("終結の理由").select_option(Case.CloseReason.CONNECTED)
    page.get_by_label("スーパーバイザーへのメモ").fill("区の女性相談窓口につながった。")
    # Her follow-up is still open: the form lists it, and she says she has seen it.
    expect(page.locator("[data-open-items]").first).to_contain_text(WHAT)
    page.get_by_label("未完了の項目を確認しました。扱いはスーパーバイザーが決めます。").check()
    page.get_by_role("button", name="終結を申請").click()
    expect(page.get_by_role("status").first).to_contain_text("終結を申請しました")
    expect(page.get_by_text("終結はスーパーバイザーの承認待ちです")).to_be_visible()
    _shot(page, "06-closing-requested")

    # --- the supervisor, in a browser of her own -------------------------------------------
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    sv = context.new_page()
    authenticator = totp_device(supervisor)  # she enrolled on her first day
    try:
        sv.goto("/accounts/login/")
        sv.get_by_label("ユーザー名").fill(supervisor.username)
        sv.get_by_label("パスワード").fill(password)
        sv.get_by_label("パスワード").press("Enter")
        # The second step: a code from her authenticator app.
        sv.wait_for_url("**/accounts/mfa/**")
        sv.locator("input[name=code]").fill(totp_code(authenticator))
        sv.locator("input[name=code]").press("Enter")
        expect(sv.get_by_role("heading", level=1)).to_contain_text("SV 田中")

        sv_nav = sv.get_by_role("navigation", name="メインナビゲーション")
        sv_nav.get_by_role("button", name="スーパービジョン").click()
        sv_nav.get_by_role("link", name="終結申請").click()
        item = sv.get_by_role("region", name=re.compile(f"ケース #{case_pk}.*{NICKNAME}"))
        expect(item).to_contain_text("他機関へつないだ")
        expect(item).to_contain_text("相談員 佐藤")
        expect(item).to_contain_text("区の女性相談窓口につながった。")
        _shot(sv, "07-closing-requests")
        item.get_by_label("判断").select_option("approve")
        item.get_by_label("コメント").fill("引継ぎ先を確認しました。")
        # The open follow-up is listed with the request; she cancels it, saying why.
        expect(item).to_contain_text(WHAT)
        item.get_by_label("未完了の項目").select_option("cancel")
        item.get_by_label("理由（各項目に記録されます）").fill("他機関へ引き継いだため")
        item.get_by_role("button", name="判断を記録する").click()
        expect(sv.get_by_role("status").first).to_contain_text("終結を承認しました")
        expect(sv.get_by_text("承認待ちの終結申請はありません")).to_be_visible()

        # The case is closed, and its timeline says who did what.
        sv.goto(case_url)
        expect(sv.get_by_role("heading", level=1)).to_contain_text(f"ケース #{case_pk}")
        expect(sv.locator("header")).to_contain_text("終結")
        expect(sv.get_by_role("button", name="終結を申請")).to_have_count(0)
        sv_timeline = sv.locator(".timeline")
        for title, actor in [
            ("終結の承認", "SV 田中"),
            ("終結の申請", "相談員 佐藤"),
            (f"フォローアップ登録：{WHAT}", "相談員 佐藤"),
            ("ケース開始", "相談員 佐藤"),
            ("LINE相談：住居問題・帰住先なし", "相談員 佐藤"),
        ]:
            expect(sv_timeline.locator("li", has_text=title).first).to_contain_text(actor)
        _shot(sv, "08-case-closed")
    finally:
        context.close()

    # --- what the database holds --------------------------------------------------------------
    her = Client.objects.get(nickname=NICKNAME)
    consultation = her.consultations.get()
    assert consultation.kind == Consultation.Kind.LINE
    assert consultation.main_concern == Consultation.MainConcern.HOUSING
    assert consultation.topics == [Consultation.Topic.POVERTY, Consultation.Topic.ISOLATION]
    case = Case.objects.get(pk=case_pk)
    assert case.client == her and case.opened_from == consultation
    assert consultation.case_id == case.pk
    assert case.status == Case.Status.CLOSED
    assert case.closed_at is not None
    assert case.close_reason == Case.CloseReason.CONNECTED
    closing = CaseClosureRequest.objects.get(case=case)
    assert closing.state == CaseClosureRequest.State.APPROVED
    assert closing.requested_by == counselor and closing.decided_by == supervisor
    assert list(case.state_changes.values_list("kind", "actor__username")) == [
        (CaseEvent.Kind.OPENED, counselor.username),
        (CaseEvent.Kind.CLOSURE_REQUESTED, counselor.username),
        (CaseEvent.Kind.CLOSURE_APPROVED, supervisor.username),
    ]

    followup.refresh_from_db()
    # Reminded, then cancelled with the closing, for the reason the supervisor gave.
    assert followup.notified_at is not None
    assert followup.state == FollowUp.State.CANCELLED and followup.cancelled_by == supervisor
    assert "他機関へ引き継いだため" in followup.cancel_reason
    (reminder_row,) = Notification.objects.filter(kind=Notification.Kind.FOLLOWUP_DUE)
    assert reminder_row.user == counselor
    assert reminder_row.dedupe_key == followup.due_dedupe_key
    assert reminder_row.read_at is not None

    logged = set(
        AccessLog.objects.filter(action=AccessLog.Action.VIEW).values_list(
            "user__username", "object_type", "object_id"
        )
    )
    assert (counselor.username, "cases.client", str(her.pk)) in logged
    assert (counselor.username, "cases.case", str(case.pk)) in logged
    assert (supervisor.username, "cases.case", str(case.pk)) in logged
