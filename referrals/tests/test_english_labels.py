"""The referrals pages in English begin every label with a capital letter, as the rest of the
app does (tsunagari/tests/test_english_capitals.py reads them the same way)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tsunagari.tests.test_english_capitals import _lower_case_labels

pytestmark = pytest.mark.django_db


def test_the_referrals_pages_capitalise_their_labels(client, counselor, supervisor, sent):
    for user in (counselor, supervisor):
        user.language = "en"
        user.save(update_fields=["language"])
    urls = [
        reverse("referrals:board"),
        reverse("referrals:detail", args=[sent.pk]),
        reverse("referrals:create") + f"?case={sent.case_id}",
        reverse("referrals:consent_record", args=[sent.client_id]),
        reverse("referrals:accompaniment_book") + f"?case={sent.case_id}",
        reverse("referrals:partners"),
        reverse("referrals:partner_detail", args=[sent.partner_id]),
        reverse("referrals:meetings"),
        reverse("referrals:meeting_create"),
        reverse("cases:case_detail", args=[sent.case_id]),
        reverse("cases:client_detail", args=[sent.client_id]),
    ]
    problems = []
    for user, pages in (
        (counselor, urls),
        (
            supervisor,
            urls
            + [
                reverse("referrals:partner_create"),
                reverse("referrals:partner_import"),
                reverse("referrals:summary"),
                reverse("referrals:provisions"),
            ],
        ),
    ):
        client.force_login(user)
        for url in pages:
            answer = client.get(url)
            assert answer.status_code == 200, url
            problems += [
                (url, tag, text) for tag, text in _lower_case_labels(answer.content.decode())
            ]
    assert problems == [], "\n".join(map(str, problems))
