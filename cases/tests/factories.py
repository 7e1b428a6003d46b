import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case, Client, Consultation
from cases.services.clients import client_last_contact_refresh


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    nickname = factory.Sequence(lambda n: f"さくら{n}")
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
