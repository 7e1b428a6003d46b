"""Nickname search by search key (core.text.search_key): スミレ finds すみれ, ユカリ every ゆかり,
fragments of one or two characters are served by the grams index, and every path that writes
a nickname keeps its key."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases import privacy as cases_privacy
from cases.models import Client
from cases.selectors.clients import client_list, client_search, intake_search, nickname_q
from cases.services.clients import client_create, client_merge, client_update
from cases.tests.factories import ClientFactory
from core.demo import event_model
from core.text import key_grams, search_key

pytestmark = pytest.mark.django_db


def _names(clients) -> list[str]:
    return sorted(c.nickname for c in clients)


def test_katakana_finds_the_hiragana_name_and_back(counselor):
    sumire = client_create(nickname="すみれ", by=counselor)
    yukari = client_create(nickname="ユカリ", by=counselor)
    assert list(client_search(counselor, "スミレ")) == [sumire]
    assert list(client_search(counselor, "ゆかり")) == [yukari]
    assert list(client_search(counselor, "ｽﾐﾚ")) == [sumire]  # half-width katakana


def test_yukari_in_katakana_finds_all_fifteen(supervisor):
    """The issue's count: the demo year holds 15 ゆかり, and ユカリ found none of them."""
    ClientFactory.create_batch(15, nickname="ゆかり")
    ClientFactory(nickname="ゆか")
    assert client_list(supervisor, q="ユカリ").count() == 15
    assert client_list(supervisor, q="ﾕｶﾘ").count() == 15


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("ゆっこ", "ユッコ"),  # small kana
        ("しょうこ", "ショーコ"),  # small kana and the long-vowel mark
        ("ゆうか", "ユーカ"),
        ("れいな", "レーナ"),
        ("Yuki", "ＹＵＫＩ"),  # full width and case
        ("さくら こ", "さくらこ"),  # spaces
        ("ゆかり〜", "ゆかりー"),
    ],
)
def test_variants_match(counselor, stored, typed):
    her = client_create(nickname=stored, by=counselor)
    assert list(client_search(counselor, typed)) == [her]


def test_one_and_two_character_fragments_match_anywhere_in_the_name(supervisor):
    ClientFactory(nickname="さくら")
    ClientFactory(nickname="あさひ")
    ClientFactory(nickname="サクラコ")
    ClientFactory(nickname="はな")
    assert _names(client_list(supervisor, q="さ")) == ["あさひ", "さくら", "サクラコ"]
    assert _names(client_list(supervisor, q="ク")) == ["さくら", "サクラコ"]
    assert _names(client_list(supervisor, q="くら")) == ["さくら", "サクラコ"]
    assert _names(client_list(supervisor, q="らこ")) == ["サクラコ"]


def test_a_longer_fragment_must_appear_whole_not_only_its_pairs(supervisor):
    ClientFactory(nickname="かりゆか")  # holds the pairs ゆか and かり, not ゆかり
    yukari = ClientFactory(nickname="ゆかり")
    assert list(client_list(supervisor, q="ゆかり")) == [yukari]


def test_like_wildcards_and_unknown_characters_find_nothing(supervisor):
    ClientFactory(nickname="はな")
    assert list(client_list(supervisor, q="%")) == []
    assert list(client_list(supervisor, q="_")) == []
    assert list(client_list(supervisor, q="は%")) == []


def test_the_line_user_id_and_phone_are_searched_as_typed(counselor):
    line_id = "U" + "d" * 32
    her = client_create(nickname="もも", line_user_id=line_id, phone="090-5555-1212", by=counselor)
    assert list(client_search(counselor, line_id)) == [her]
    assert list(client_search(counselor, line_id.upper())) == []  # exact, as it is stored
    assert list(client_search(counselor, "5555-12")) == [her]


def test_intake_search_and_the_queue_use_the_key_too(counselor, colleague):
    queued = ClientFactory(nickname="すみれ")
    mine = client_create(nickname="スミレ", by=counselor)
    found = intake_search(colleague, "すみ")
    assert {line.pk for line in found} == {queued.pk, mine.pk}


# --- the index --------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["さ", "さく", "さくら"])
def test_a_fragment_of_any_length_is_served_by_the_grams_index(q):
    for name in ("さくら", "はな", "ゆき"):
        ClientFactory(nickname=name)
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows, and whatever statistics earlier tests left: the planner would read
        # the table or walk another index. Only bitmap scans remain, so the plan shows which
        # index can answer the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Client.objects.filter(nickname_q(q)).explain()
    assert "cases_client_nickname_grams" in plan, plan
    assert Client.objects.filter(nickname_q(q)).count() == 1


# --- every path that writes a nickname keeps its key ----------------------------------------


def test_create_and_update_keep_the_key(counselor):
    her = client_create(nickname="  スミレ ", by=counselor)
    assert her.nickname == "スミレ" and her.nickname_key == "すみれ"
    assert her.nickname_grams == key_grams("すみれ")
    client_update(client=her, by=counselor, nickname="ユカリ")
    her.refresh_from_db()
    assert (her.nickname_key, her.nickname_grams) == ("ゆかり", key_grams("ゆかり"))
    assert list(client_search(counselor, "すみれ")) == []
    assert list(client_search(counselor, "ゆかり")) == [her]
    client_update(client=her, by=counselor, phone="09011112222")  # other fields leave it be
    her.refresh_from_db()
    assert her.nickname_key == "ゆかり"


def test_a_merged_record_keeps_its_key_and_leaves_the_search(supervisor):
    kept = ClientFactory(nickname="つばき")
    merged = ClientFactory(nickname="ツバキ")
    client_merge(kept=kept, merged=merged, by=supervisor)
    merged.refresh_from_db()
    assert merged.nickname_key == "つばき"
    assert list(client_search(supervisor, "ツバキ")) == [kept]


def test_anonymisation_replaces_the_key_with_that_of_the_record_number(counselor):
    her = client_create(nickname="すみれ", by=counselor)
    with transaction.atomic():
        cases_privacy.anonymise(Client.objects.select_for_update().get(pk=her.pk), timezone.now())
    her.refresh_from_db()
    assert her.nickname_key == search_key(cases_privacy.anonymised_nickname(her.pk))
    assert her.nickname_grams == key_grams(her.nickname_key)
    assert list(client_search(counselor, "すみれ")) == []


def test_a_nickname_without_its_search_columns_is_refused_by_the_database(counselor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(nickname="すみれ", nickname_grams=["す"], created_by=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(nickname="すみれ", nickname_key="すみれ", created_by=counselor)


def test_the_search_columns_are_not_history(counselor):
    """Derived data: changing them alone writes no history row, and history rows hold no copy
    of them for anonymisation to erase."""
    her = client_create(nickname="すみれ", by=counselor)
    events = event_model(Client).objects.filter(pgh_obj_id=her.pk)
    before = events.count()
    Client.objects.filter(pk=her.pk).update(nickname_key="x", nickname_grams=["x"])
    assert events.count() == before
    fields = {f.name for f in event_model(Client)._meta.fields}
    assert "nickname" in fields and not {"nickname_key", "nickname_grams"} & fields


def test_the_migration_fills_every_key():
    fill = importlib.import_module("cases.migrations.0008_client_nickname_key_fill")
    ids = [ClientFactory(nickname=name).pk for name in ("スミレ", "ﾕｶﾘ", "さくら")]
    Client.objects.filter(pk__in=ids).update(nickname_key="stale", nickname_grams=["stale"])
    fill.fill_search_columns(apps, None)
    rows = Client.objects.order_by("pk").values_list("nickname_key", "nickname_grams")
    assert list(rows) == [(key, key_grams(key)) for key in ("すみれ", "ゆかり", "さくら")]


def test_the_demo_data_carries_the_key_of_every_nickname():
    call_command("seed_demo", "--scale", "1", "--seed", "7", stdout=io.StringIO())
    rows = Client.objects.values_list("nickname", "nickname_key", "nickname_grams")
    assert rows and all(
        (key, grams) == (search_key(nickname), key_grams(key)) for nickname, key, grams in rows
    )
