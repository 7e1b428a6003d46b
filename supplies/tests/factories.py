import factory

from supplies.models import Place, SiteType


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"配布先{n}")
    site_type = SiteType.FOOD_PANTRY


class StorageFactory(PlaceFactory):
    name = factory.Sequence(lambda n: f"倉庫{n}")
    site_type = SiteType.STORAGE
