import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.demo import DEMO_USERNAMES
from accounts.models import User
from cases import demo
from cases.models import Case, Client, Consultation, RiskFlag, SupportGoal
from cases.tests.factories import ClientFactory
from cases.tests.test_admin import CHANGELIST_BUDGET
from cases.tests.test_supervisor_pages import CASELOAD_BUDGET, RISK_BOARD_BUDGET
from core.demo import seeded_tables
from followups import demo as followups_demo
from followups.models import FollowUp
from openings.demo import FY_END, FY_START
from openings.models import Channel, Opening


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _db_digest() -> str:
    """What a person would notice differs: clients, consultations, cases, in a stable order."""
    h = hashlib.sha256()
    for row in Client.objects.order_by("first_contact_at", "line_user_id").values_list(
        "nickname", "line_user_id", "age_band", "ward", "employment", "household", "status"
    ):
        h.update(repr(row).encode())
    for row in Consultation.objects.order_by("started_at", "client__line_user_id").values_list(
        "client__line_user_id", "kind", "started_at", "main_concern", "topics", "established"
    ):
        h.update(repr(row).encode())
    for row in Case.objects.order_by("opened_at", "client__line_user_id").values_list(
        "client__line_user_id", "status", "priority", "opened_at", "closed_at"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_it_loads_the_fy2022_volumes_once(client):
    with CaptureQueriesContext(connection) as captured:
        output = _seed("--scale", "1", "--seed", "7")

    fy = {"starts_at__gte": FY_START, "starts_at__lt": FY_END}
    assert Opening.objects.filter(channel=Channel.LINE, **fy).count() == 105
    assert Client.objects.count() == 1424
    kinds = Consultation.objects.values_list("kind", flat=True)
    assert list(kinds).count("line") == 1081
    assert list(kinds).count("legal") == 23
    assert list(kinds).count("health") == 21
    assert Consultation.objects.filter(kind="legal").values("opening").distinct().count() == 2
    assert Consultation.objects.filter(kind="health").values("opening").distinct().count() == 2
    # About 8% of friends have a case; some risks are in force; follow-ups in all states.
    assert 100 <= Case.objects.count() <= 130
    assert RiskFlag.objects.filter(cleared_at__isnull=True).exists()
    now = timezone.now()
    assert FollowUp.objects.filter(state="pending", due_at__gt=now).exists()
    assert FollowUp.objects.filter(state__in=["pending", "notified"], due_at__lt=now).exists()
    assert FollowUp.objects.filter(state="done", due_at__lt=now).exists()
    # Each client's last contact is her latest consultation, as the services keep it.
    by_client = Consultation.objects.values("client").annotate(m=Max("started_at"))
    latest = dict(by_client.values_list("client", "m"))
    assert dict(Client.objects.values_list("pk", "last_contact_at")) == {
        pk: latest.get(pk) for pk in Client.objects.values_list("pk", flat=True)
    }
    # Fresh statistics for every table it wrote, many-to-many and history tables included.
    analysed = {q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")}
    assert analysed == {f'ANALYZE "{table}"' for table in seeded_tables()}
    assert {
        'ANALYZE "cases_case_counselors"',
        'ANALYZE "cases_casenote"',
        'ANALYZE "cases_clientevent"',
        'ANALYZE "followups_followup"',
        'ANALYZE "openings_opening"',
        'ANALYZE "accounts_user"',
    } <= analysed
    # Demo rows carry no insert history (the triggers were lifted for the seed).
    assert not Client.objects.get(pk=Client.objects.first().pk).events.exists()
    # One login per role, no superuser; passwords are printed once, when created.
    assert set(User.objects.values_list("username", flat=True)) == set(DEMO_USERNAMES)
    assert not User.objects.filter(is_superuser=True).exists()
    assert "supervisor1" in output and "Demo logins created" in output

    again = _seed("--scale", "1", "--seed", "7")
    # Other apps' demo rows follow the clients in the summary (LINE events, surveys, ...).
    assert "already loaded (1,424 clients" in again and "supervisor1" not in again
    assert Client.objects.count() == 1424


@pytest.mark.django_db
def test_its_pages_stay_within_their_query_budgets_on_a_year_of_data(
    client, django_assert_max_num_queries
):
    _seed("--scale", "1", "--seed", "7")
    client.force_login(User.objects.get(username="supervisor1"))
    with django_assert_max_num_queries(CASELOAD_BUDGET):
        assert client.get(reverse("cases:caseload")).status_code == 200
    with django_assert_max_num_queries(RISK_BOARD_BUDGET):
        response = client.get(reverse("cases:risk_board"))
    assert response.context["page"].paginator.count > 50
    for model in ("client", "case", "consultation", "riskflag"):
        with django_assert_max_num_queries(CHANGELIST_BUDGET):
            assert client.get(reverse(f"admin:cases_{model}_changelist")).status_code == 200


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_in_a_fresh_database():
    _seed("--seed", "7")
    first = _db_digest()
    output = _seed("--seed", "7", "--reset")
    assert "Deleted the demo data" in output
    assert "passwords are unchanged" in output
    assert _db_digest() == first
    _seed("--seed", "8", "--reset")
    assert _db_digest() != first


@pytest.mark.django_db
def test_a_reset_also_removes_the_history_of_demo_rows_changed_since():
    _seed("--seed", "7")
    # Clicking through the demo writes (append-only) history rows of the demo records.
    changed_client = Client.objects.order_by("pk").first()
    changed_client.nickname = "変更後"
    changed_client.save()
    goal = SupportGoal.objects.order_by("pk").first()
    goal.text = "変更後の目標"
    goal.save()
    followup = FollowUp.objects.order_by("pk").first()
    followup.what = "変更後のフォローアップ"
    followup.save()
    assert changed_client.events.exists() and goal.events.exists() and followup.events.exists()
    # Her rights, recorded on a demo client: the reset removes them with her.
    from privacy.models import ConsentWithdrawal, ErasureRequest
    from privacy.services import consent_withdraw

    assert ErasureRequest.objects.filter(state="pending").count() == 1  # the seeded one
    # Recorded by her counselor: the demo supervisor can decide it.
    assert ErasureRequest.objects.get().requested_by.username != "supervisor1"
    supervisor = User.objects.get(username="supervisor1")
    consent_withdraw(client=changed_client, scope="all", method="phone", by=supervisor)
    assert ConsentWithdrawal.objects.count() == 2

    output = _seed("--seed", "7", "--reset")
    assert ConsentWithdrawal.objects.count() == 1  # the seeded one only
    assert not ConsentWithdrawal.objects.filter(client__nickname="変更後").exists()

    assert "Deleted the demo data" in output
    for model in (Client, SupportGoal, FollowUp):
        events = model._meta.get_field("events").related_model
        assert not events.objects.exists()
    assert not Client.objects.filter(nickname="変更後").exists()


def test_the_plan_depends_only_on_its_inputs():
    line = [
        (
            FY_START + timezone.timedelta(days=3 * i, hours=5),
            FY_START + timezone.timedelta(days=3 * i, hours=11),
        )
        for i in range(105)
    ]
    legal = line[10:12]
    health = line[20:22]
    now = FY_END + timezone.timedelta(days=400)

    def plan(seed):
        return demo.demo_plan(
            seed=seed,
            scale=1,
            line_openings=line,
            legal_openings=legal,
            health_openings=health,
            now=now,
        )

    first, second = plan(7), plan(7)
    assert first.digest() == second.digest()
    assert [c.nickname for c in first.clients] == [c.nickname for c in second.clients]
    assert plan(8).digest() != first.digest()
    assert len({c.line_user_id for c in first.clients}) == 1424
    assert all(c.line_user_id.startswith("U") and len(c.line_user_id) == 33 for c in first.clients)
    # The follow-ups are planned from the cases plan with a stream of their own: same seed and
    # plan, same follow-ups.
    followups = followups_demo.followup_plan(seed=7, cases=first, now=now)
    again = followups_demo.followup_plan(seed=7, cases=second, now=now)
    assert followups and followups_demo.digest(followups) == followups_demo.digest(again)
    other = followups_demo.followup_plan(seed=8, cases=first, now=now)
    assert followups_demo.digest(other) != followups_demo.digest(followups)


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_clients():
    ClientFactory()
    with pytest.raises(CommandError, match="not demo data"):
        _seed()


@pytest.mark.django_db
def test_it_refuses_a_scale_out_of_range():
    with pytest.raises(CommandError, match="--scale"):
        _seed("--scale", "0")
