import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_send

pytestmark = pytest.mark.django_db


def _notify(user, key: str, url: str = "/followups/", title: str = "お知らせ") -> Notification:
    return notification_send(
        user=user,
        kind=Notification.Kind.OTHER,
        title=title,
        url=url,
        dedupe_key=key,
        email=False,
    )


def test_list_requires_login(client):
    assert client.get(reverse("notifications:list")).status_code == 302


def test_list_shows_only_my_own_newest_first_with_unread_marked(client, counselor, colleague):
    _notify(counselor, "1", title="一件目")
    read = _notify(counselor, "2", title="二件目")
    Notification.objects.filter(pk=read.pk).update(read_at="2030-01-01T00:00Z")
    _notify(colleague, "1", title="他の人あて")
    client.force_login(counselor)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "一件目" in html and "二件目" in html and "他の人あて" not in html
    assert html.index("二件目") < html.index("一件目")  # same second: newest id first
    assert html.count("未読") >= 1


def test_list_paginates_by_fifty(client, counselor):
    for i in range(51):
        _notify(counselor, str(i))
    client.force_login(counselor)
    first = client.get(reverse("notifications:list")).content.decode()
    assert first.count('data-notification="') == 50
    second = client.get(reverse("notifications:list") + "?page=2").content.decode()
    assert second.count('data-notification="') == 1


def test_opening_marks_read_and_follows_only_in_app_paths(client, counselor):
    inside = _notify(counselor, "in", url="/followups/3/")
    outside = _notify(counselor, "out", url="https://evil.example/")
    sneaky = _notify(counselor, "sneaky", url="//evil.example/")
    client.force_login(counselor)
    assert client.post(reverse("notifications:open", args=[inside.pk])).url == "/followups/3/"
    for n in (outside, sneaky):
        response = client.post(reverse("notifications:open", args=[n.pk]))
        assert response.url == reverse("notifications:list")
    assert not Notification.objects.filter(user=counselor, read_at__isnull=True).exists()


def test_opening_needs_post_and_my_own_notification(client, counselor, colleague):
    theirs = _notify(colleague, "x")
    client.force_login(counselor)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 405
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, counselor, colleague):
    _notify(counselor, "1")
    _notify(counselor, "2")
    theirs = _notify(colleague, "1")
    client.force_login(counselor)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.url == reverse("notifications:list")
    assert not Notification.objects.filter(user=counselor, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_count_context_processor_is_one_query(
    rf, counselor, colleague, django_assert_num_queries
):
    from notifications.context_processors import unread_count

    _notify(counselor, "1")
    _notify(counselor, "2")
    _notify(colleague, "1")
    request = rf.get("/")
    request.user = counselor
    context = unread_count(request)
    with django_assert_num_queries(1):  # one COUNT on the partial unread index, then cached
        badge = context["unread_notifications"]
        assert int(badge) == 2 and badge > 0 and str(badge) == "2" and badge


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_does_not_grow_with_rows(
    client, counselor, rows, django_assert_max_num_queries
):
    for i in range(rows):
        _notify(counselor, str(i))
    client.force_login(counselor)
    # session, user, user's roles (navigation), COUNT for the paginator, the page of
    # notifications, access-log insert (+1 once the navigation shows the unread badge)
    # +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
    with django_assert_max_num_queries(8) as captured:
        response = client.get(reverse("notifications:list"))
    assert response.content.decode().count('data-notification="') == rows
    assert len(captured.captured_queries) in (7, 8)
