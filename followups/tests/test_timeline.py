import pytest

from cases.tests.factories import CaseFactory
from followups import services
from followups.tests.factories import FollowUpFactory
from followups.timeline import timeline_entries

pytestmark = pytest.mark.django_db


def test_timeline_lists_added_done_and_cancelled_in_one_query(
    counselor, colleague, django_assert_num_queries
):
    case = CaseFactory()
    done = FollowUpFactory(client=case.client, case=case, assignee=counselor, what="電話")
    cancelled = FollowUpFactory(client=case.client, case=case, assignee=counselor, what="同行")
    FollowUpFactory(client=case.client, what="別件")  # not on this case
    services.followup_complete(followup=done, by=colleague)
    services.followup_cancel(followup=cancelled, by=counselor, reason="不要になった")

    with django_assert_num_queries(1):  # follow-ups of the case with their people
        entries = timeline_entries(case)
    assert [(e["kind"], e["actor"], e["object"].pk) for e in entries] == [
        ("followup", counselor, done.pk),
        ("followup", colleague, done.pk),
        ("followup", counselor, cancelled.pk),
        ("followup", counselor, cancelled.pk),
    ]
    assert all(e["at"] for e in entries)
    assert entries[1]["title"] == "フォローアップ完了：電話"
    assert entries[3]["body"] == "不要になった"
