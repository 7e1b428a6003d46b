"""Error pages speak the user's language and leak nothing."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_parameter_is_refused_with_a_reason(client, counselor):
    client.force_login(counselor)

    response = client.get("/cases/clients/", {"q": "ゆき\x00"})

    assert response.status_code == 400
    assert "受け付けられない文字" in response.content.decode()


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_saved(client, counselor):
    client.force_login(counselor)

    response = client.post("/accounts/profile/", {"display_name": "a\x00", "language": "en"})

    assert response.status_code == 400
    counselor.refresh_from_db()
    assert counselor.language == "ja"


@override_settings(DEBUG=False)
def test_not_found_is_a_japanese_page_without_details(client, counselor):
    client.force_login(counselor)

    response = client.get("/cases/987654/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body
    assert "987654" not in body
    assert "Traceback" not in body
