"""Each extension point of `core.registry`, proven by the test app's registrations
(`tests/testapp/extensions.py`) without a line changed in another app."""

import io

import pytest
from django.core.management import call_command

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
