import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case, Client, Consultation, nickname_search_columns
from cases.services.clients import client_last_contact_refresh


def _search_column(name: str) -> factory.LazyAttribute:
    """What client_create stores beside the nickname (the factory writes the row directly)."""
    return factory.LazyAttribute(lambda c: nickname_search_columns(c.nickname)[name])


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    nickname = factory.Sequence(lambda n: f"さくら{n}")
    nickname_key = _search_column("nickname_key")
    nickname_grams = _search_column("nickname_grams")
    age_band = Client.AgeBand.TWENTIES
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def counselors(self, create, extracted, **kwargs):
        if create and extracted:
            self.counselors.set(extracted)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    kind = Consultation.Kind.LINE
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=40))
    ended_at = factory.LazyAttribute(lambda c: c.started_at + datetime.timedelta(minutes=30))
    main_concern = Consultation.MainConcern.ECONOMIC
    topics = factory.LazyFunction(lambda: [Consultation.Topic.POVERTY])
    summary = "生活費が足りない"
    recorded_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def counselors(self, create, extracted, **kwargs):
        if create:
            self.counselors.set(extracted or [self.recorded_by])

    @factory.post_generation
    def last_contact(self, create, extracted, **kwargs):
        # As the consultation services do: her last contact follows her consultations.
        if create:
            client_last_contact_refresh(client_ids=[self.client_id])
            self.client.refresh_from_db(fields=["last_contact_at"])


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    opened_by = factory.SubFactory(UserFactory)
    status = Case.Status.ACTIVE

    @factory.post_generation
    def counselors(self, create, extracted, **kwargs):
        if create and extracted:
            self.counselors.set(extracted)
