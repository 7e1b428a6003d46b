"""Each extension point of `core.registry`, proven by the test app's registrations
(`tests/testapp/extensions.py`) without a line changed in another app."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.demo import demo_clients
from core import registry
from tests.testapp import demo as testapp_demo
from tests.testapp.models import Visit

# --- demo seeders ---------------------------------------------------------------------------


def _seed_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_writes_the_visits_of_the_test_app_and_reset_replaces_them():
    output = _seed_demo("--seed", "7")
    visits = list(Visit.objects.order_by("pk").values_list("pk", "client", "case", "place"))
    assert len(visits) == testapp_demo.VISITS
    assert set(Visit.objects.values_list("client", flat=True)) <= set(
        demo_clients().values_list("pk", flat=True)
    )
    assert all(case is not None for _pk, _client, case, _place in visits)
    assert f"visits {testapp_demo.VISITS}" in output

    # The visits point at demo clients and cases (PROTECT): the reset succeeds only because
    # the test app's seeder deletes them before the cases seeder deletes the clients.
    _seed_demo("--seed", "7", "--reset")
    again = list(Visit.objects.order_by("pk").values_list("pk", "client", "case", "place"))
    assert len(again) == testapp_demo.VISITS
    assert min(pk for pk, *_ in again) > max(pk for pk, *_ in visits)  # new rows, old ones gone
    assert set(Visit.objects.values_list("client", flat=True)) <= set(
        demo_clients().values_list("pk", flat=True)
    )
    assert [place for *_, place in again] == [place for *_, place in visits]  # same seed


def test_demo_seeders_run_after_those_they_name_and_are_deleted_in_reverse():
    keys = [seeder.key for seeder in registry.demo_seeders_in_order()]
    assert keys.index("accounts") < keys.index("cases")
    assert keys.index("openings") < keys.index("cases")
    assert keys.index("cases") < keys.index("followups")
    assert keys.index("cases") < keys.index("testapp")


def _noop_seed(ctx: registry.DemoContext) -> dict[str, int]:
    return {}


def _noop_delete(ctx: registry.DemoContext) -> int:
    return 0


def _seeders(*pairs: tuple[str, tuple[str, ...]]) -> registry.Registry[registry.DemoSeeder]:
    seeders: registry.Registry[registry.DemoSeeder] = registry.Registry("demo_seeders")
    for key, after in pairs:
        seeders.register(
            registry.DemoSeeder(key=key, seed=_noop_seed, delete=_noop_delete, after=after)
        )
    return seeders


def test_demo_seeders_order_follows_after_whatever_the_registration_order():
    seeders = _seeders(("c", ("b",)), ("b", ("a",)), ("a", ()), ("d", ()))
    assert [s.key for s in registry.demo_seeders_in_order(seeders)] == ["a", "b", "c", "d"]


def test_a_demo_seeder_after_an_unknown_key_is_refused():
    with pytest.raises(ValueError, match="unknown 'nowhere'"):
        registry.demo_seeders_in_order(_seeders(("a", ("nowhere",))))


def test_demo_seeders_that_wait_for_each_other_are_refused():
    with pytest.raises(ValueError, match="depends on itself"):
        registry.demo_seeders_in_order(_seeders(("a", ("b",)), ("b", ("a",))))
    with pytest.raises(ValueError, match="depends on itself"):
        registry.demo_seeders_in_order(_seeders(("a", ("a",))))


def test_a_demo_seeder_key_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        _seeders(("a", ()), ("a", ()))


# --- the other extension points, each used by the test app ----------------------------------


@pytest.fixture
def visited(counselor, expert):
    """A client with a case, and a visit of hers recorded by the expert."""
    from cases.services.cases import case_open
    from cases.tests.factories import ClientFactory

    her = ClientFactory(nickname="ゆき", counselors=[counselor])
    case = case_open(client=her, by=counselor)
    visit = Visit.objects.create(
        client=her, case=case, at=timezone.now(), place="区役所", recorded_by=expert
    )
    return her, case, visit


@pytest.mark.django_db
def test_the_case_timeline_shows_the_test_apps_entries(visited):
    from cases.timeline import case_timeline

    _her, case, _visit = visited
    entries = case_timeline(case)
    assert [e.title for e in entries if e.kind == "visit"] == ["Visit: 区役所"]


@pytest.mark.django_db
def test_a_merge_moves_the_test_apps_rows_and_records_them(visited, supervisor):
    from cases.services.clients import client_merge, client_merge_preview
    from cases.tests.factories import ClientFactory

    her, _case, visit = visited
    kept = ClientFactory(nickname="ゆき")
    assert client_merge_preview(kept=kept, merged=her)["visits"] == 1
    record = client_merge(kept=kept, merged=her, by=supervisor)
    visit.refresh_from_db()
    assert visit.client == kept
    assert record.moved["visits"] == 1


@pytest.mark.django_db
def test_the_merge_page_names_what_the_test_app_moves(client, visited, supervisor):
    from cases.tests.factories import ClientFactory

    her, _case, _visit = visited
    kept = ClientFactory(nickname="ゆき")
    client.force_login(supervisor)
    response = client.get(reverse("cases:client_merge", args=[kept.pk]), {"merged": her.pk})
    assert "Visits：1" in response.content.decode()  # the Japanese label format


@pytest.mark.django_db
def test_the_home_page_shows_the_test_apps_block_to_whom_it_chooses(
    client, visited, expert, counselor
):
    client.force_login(expert)
    html = client.get("/").content.decode()
    assert 'id="testapp-visits">1<' in html
    client.force_login(counselor)
    assert "testapp-block" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_client_page_shows_the_test_apps_section(client, visited, counselor):
    her, _case, _visit = visited
    client.force_login(counselor)
    html = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    assert 'id="testapp-visits-section"' in html and "区役所" in html


@pytest.mark.django_db
def test_the_case_list_shows_the_test_apps_column(client, visited, counselor):
    client.force_login(counselor)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert '<th scope="col">Visits</th>' in html
    assert '<span class="testapp-visits">1</span>' in html


@pytest.mark.django_db
def test_the_supervisors_pages_show_the_test_apps_figure(client, visited, supervisor, counselor):
    client.force_login(supervisor)
    response = client.get(reverse("cases:caseload"))
    assert "Visits" in response.content.decode()
    assert 'id="summary-visits"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_admin_changelist_offers_the_test_apps_filter(client, visited, supervisor):
    her, _case, _visit = visited
    client.force_login(supervisor)
    url = reverse("admin:cases_client_changelist")
    response = client.get(url, {"visited": "yes"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [her]


@pytest.mark.django_db
def test_a_client_scope_lets_the_expert_reach_the_women_she_visited(visited, expert, colleague):
    from cases.selectors import clients_visible_to

    her, _case, _visit = visited
    assert list(clients_visible_to(expert)) == [her]
    assert her not in clients_visible_to(colleague)  # assigned to another counselor


@pytest.mark.django_db
def test_a_capability_is_asked_by_name(expert, counselor, outsider):
    from core import authz

    assert authz.can(expert, "testapp.see_visits")
    assert not authz.can(counselor, "testapp.see_visits")
    assert not authz.can(outsider, "testapp.see_visits")
    with pytest.raises(KeyError):
        authz.can(expert, "testapp.no_such_capability")


@pytest.mark.django_db
def test_role_grants_reach_the_group_after_migrate(supervisor, counselor):
    assert supervisor.has_perm("testapp.view_visit")
    assert not counselor.has_perm("testapp.view_visit")


@pytest.mark.django_db(transaction=True)
def test_beat_runs_the_registered_periodic_tasks():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from tsunagari.celery import app

    schedule = dict(app.conf.beat_schedule)
    assert schedule["testapp-tick"]["task"] == "tests.testapp.tasks.tick"
    # Every app's entries, and none written in the settings.
    assert {"followups-sweep-due", "openings-materialize-ahead"} <= set(schedule)
    # Beat's database scheduler syncs them into its table when it starts.
    DatabaseScheduler(app=app)
    row = PeriodicTask.objects.get(name="testapp-tick")
    assert (row.task, row.interval.every) == ("tests.testapp.tasks.tick", 300)


@pytest.mark.django_db
def test_the_supervisors_menu_shows_the_test_apps_link(client, supervisor, counselor):
    client.force_login(supervisor)
    html = client.get("/").content.decode()
    menu = html.split('aria-labelledby="supervisor-menu"')[1].split("</ul>")[0]
    assert "Visits (test app)" in menu
    # Registered links keep their order: the cases app's first, the test app's last.
    assert menu.index(reverse("cases:caseload")) < menu.index("Visits (test app)")
    client.force_login(counselor)
    assert "Visits (test app)" not in client.get("/").content.decode()


def test_a_nav_link_to_an_unknown_menu_is_refused():
    from core.templatetags.authz import nav_links

    with pytest.raises(ValueError):
        nav_links(None, "sidebar")


@pytest.mark.django_db
def test_closing_a_case_lists_and_settles_the_test_apps_open_items(visited, counselor, supervisor):
    import datetime

    from cases.closing import open_items_for
    from cases.services.cases import case_approve_closure, case_request_closure

    her, case, _past = visited
    coming = Visit.objects.create(
        client=her,
        case=case,
        at=timezone.now() + datetime.timedelta(days=3),
        place="保健センター",
        recorded_by=counselor,
    )
    assert [i.text for i in open_items_for(case)] == ["保健センター"]
    request = case_request_closure(
        case=case, reason="resolved", note="", by=counselor, open_items_seen=True
    )
    case_approve_closure(
        request=request,
        by=supervisor,
        open_items=registry.SETTLE_CANCEL,
        open_items_reason="終結のため",
    )
    assert not Visit.objects.filter(pk=coming.pk).exists()
    event = case.state_changes.get(kind="closure_approved")
    assert event.after["open_items"]["settled"] == {"visits_cancelled": 1}
    assert event.after["open_items"]["reason"] == "終結のため"


@pytest.mark.django_db
def test_the_staff_calendar_and_the_feed_show_the_test_apps_entries(client, visited, expert):
    from agenda import services as agenda_services

    _her, _case, visit = visited
    client.force_login(expert)
    day = timezone.localtime(visit.at).date().isoformat()
    html = client.get(reverse("agenda:calendar"), {"view": "week", "date": day}).content.decode()
    assert 'data-source="testapp.visits"' in html and 'data-kind="visit"' in html
    assert "区役所" not in html  # the source chose a title without the place
    only_others = client.get(
        reverse("agenda:calendar"), {"view": "week", "date": day, "source": "openings.line"}
    ).content.decode()
    assert 'data-kind="visit"' not in only_others
    _row, secret = agenda_services.feed_token_create(user=expert)
    client.logout()
    text = client.get(reverse("agenda:feed", args=[secret])).content.decode()
    assert f"UID:testapp-visit-{visit.pk}@" in text and "SUMMARY:Visit\r\n" in text


def test_a_calendar_source_key_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        registry.calendar_sources.register(
            registry.CalendarSource(key="testapp.visits", label="x", entries=lambda u, s, e: [])
        )


@pytest.mark.django_db
def test_the_test_apps_list_is_downloaded_and_listed(client, visited, supervisor, counselor):
    _her, _case, visit = visited
    client.force_login(supervisor)
    answer = client.get(reverse("reports:export_testapp.visits"), {"format": "csv"})
    body = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert answer.status_code == 200 and body.splitlines()[1].startswith(f"{visit.pk},")
    assert visit.place not in body  # the place is free text
    assert reverse("reports:export_testapp.visits") in client.get(reverse("reports:exports")).text
    client.force_login(counselor)
    assert client.get(reverse("reports:export_testapp.visits")).status_code == 404
