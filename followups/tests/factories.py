import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.tests.factories import ClientFactory
from core.roles import Role
from followups.models import FollowUp


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    client = factory.SubFactory(ClientFactory)
    what = "電話で様子をうかがう"
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=2))
    assignee = factory.SubFactory(UserFactory, roles=[Role.COUNSELOR])
    created_by = factory.SelfAttribute("assignee")
