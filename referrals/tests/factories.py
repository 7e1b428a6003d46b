import factory

from referrals.models import Partner


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"なにわフードパントリー{n}（架空）")
    kind = Partner.Kind.FOOD_PANTRY
    ward = "271110"
    services = factory.LazyFunction(lambda: ["food"])
