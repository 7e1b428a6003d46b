"""A phone is a phone: what is not one is refused with a message on the field, in the user's
language, by the service and the forms; what is one keeps its digits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cases.forms.clients import ClientProfileForm
from cases.models import Client, Consultation
from cases.services.clients import client_create, client_update, phone_clean
from cases.tests.factories import ClientFactory
from cases.tests.test_clients_views import _intake_post

pytestmark = pytest.mark.django_db

PROFILE = {"nickname": "さくら", "age_band": "20s", "ward": "unknown", "employment": "unknown"}
PROFILE |= {"household": "unknown", "consent_scope": "none"}


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("090-1234-5678", "09012345678"),
        ("090 1234 5678", "09012345678"),
        ("(06) 6123-4567", "0661234567"),
        ("０９０－１２３４－５６７８", "09012345678"),  # full-width digits and hyphens
        ("０９０ー１２３４ー５６７８", "09012345678"),  # the long-vowel mark typed as a hyphen
        ("（０６）６１２３−４５６７", "0661234567"),  # full-width brackets, a minus sign
        ("+81 90-1234-5678", "819012345678"),  # a leading plus
        ("  ", ""),
    ],
)
def test_a_phone_number_keeps_its_digits(typed, stored):
    assert phone_clean(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "abc-電話-123",
        "090-1234-5678（携帯）",
        "090.1234.5678",
        "090+1234",  # a plus only leads
        "++81 90",
        "tel:0901234",
        "内線12",
        "---",  # no digits at all
    ],
)
def test_what_is_not_a_phone_number_is_refused_on_the_field(typed):
    with pytest.raises(ValidationError) as exc:
        phone_clean(typed)
    assert list(exc.value.message_dict) == ["phone"]
    assert not ClientProfileForm(data={**PROFILE, "phone": typed}).is_valid()


def test_the_service_refuses_it_on_create_and_on_update(counselor):
    with pytest.raises(ValidationError) as exc:
        client_create(nickname="さくら", phone="abc-電話-123", by=counselor)
    assert "phone" in exc.value.message_dict
    assert not Client.objects.exists()
    her = ClientFactory(phone="0612345678")
    with pytest.raises(ValidationError):
        client_update(client=her, by=counselor, phone="abc-電話-123")
    her.refresh_from_db()
    assert her.phone == "0612345678"


@pytest.mark.parametrize(
    "language, message",
    [("ja", "電話番号を入力してください"), ("en", "Enter a phone number")],
)
def test_the_message_is_in_her_language(language, message):
    with translation.override(language):
        form = ClientProfileForm(data={**PROFILE, "phone": "abc-電話-123"})
        assert not form.is_valid()
        assert message in str(form.errors["phone"])


def test_intake_shows_the_message_beside_the_phone_and_saves_nothing(client, counselor):
    client.force_login(counselor)
    response = client.post(
        reverse("cases:intake_new"), _intake_post(counselor, phone="abc-電話-123")
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert 'id="id_phone_error"' in response.content.decode()
    assert not Client.objects.exists() and not Consultation.objects.exists()


def test_the_profile_page_refuses_it_too(client, counselor):
    her = ClientFactory(counselors=[counselor], phone="0612345678")
    client.force_login(counselor)
    data = {**PROFILE, "phone": "abc-電話-123", "first_contact_at": "2024-05-01T10:00"}
    response = client.post(reverse("cases:client_edit", args=[her.pk]), data)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    her.refresh_from_db()
    assert her.phone == "0612345678"
