"""ChoiceDisplay: the same labels as Django's get_<field>_display, by one lookup."""

from unittest import mock

from django.utils import translation

from cases.models import Case, Client
from core.choices import Ward


def test_labels_follow_the_active_language():
    client = Client(
        ward=Ward.NISHINARI, age_band=Client.AgeBand.TWENTIES, status=Client.Status.ACTIVE
    )
    with translation.override("ja"):
        assert client.get_ward_display() == "西成区"
        ja_status = client.get_status_display()
    with translation.override("en"):
        assert client.get_ward_display() == "Nishinari-ku"
        assert client.get_status_display() != ja_status


def test_an_unknown_code_shows_as_itself_and_a_number_stays_a_number():
    assert Client(ward="999999").get_ward_display() == "999999"
    assert Case(priority=99).get_priority_display() == 99


def test_one_display_translates_one_label_not_the_whole_list():
    client = Client(ward=Ward.NISHINARI)
    client.get_ward_display()  # the map is built once per field
    real = translation._trans.gettext
    with (
        translation.override("ja"),
        mock.patch.object(translation._trans, "gettext", wraps=real) as gettext,
    ):
        assert client.get_ward_display() == "西成区"
    assert gettext.call_count == 1
