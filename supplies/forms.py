"""Forms of the stock pages. Every movement form carries its submission key (`batch`): posted
twice, it moves stock once."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Ward

from .models import Item, Kit, Place, SiteType, StockMovement

MAX_QUANTITY = 1_000_000


class ItemOrKitField(forms.ChoiceField):
    """An item ("item:<pk>") or a kit ("kit:<pk>"), cleaned to the object."""

    def __init__(self, *, with_kits: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_kits = with_kits

    def set_choices(self, items, kits) -> None:
        choices = [(f"kit:{k.pk}", str(k)) for k in kits] if self.with_kits else []
        choices += [(f"item:{i.pk}", str(i)) for i in items]
        self.choices = choices
        self._objects = {f"kit:{k.pk}": k for k in kits} | {f"item:{i.pk}": i for i in items}

    def clean(self, value):
        value = super().clean(value)
        return self._objects[value]


class _MovementForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput)
    what = ItemOrKitField(label=_("Item or kit"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)
    occurred_at = forms.DateTimeField(label=_("When"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, items, kits, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["what"].set_choices(items, kits)
        self.initial.setdefault("batch", uuid.uuid4())
        self.places = {str(p.pk): p for p in places}
        for name in ("source", "target", "place"):
            if name in self.fields:
                self.fields[name].choices = [("", "---------")] + [
                    (str(p.pk), str(p)) for p in places if self._fits(name, p)
                ]

    def _fits(self, name: str, place: Place) -> bool:
        return True

    def _place(self, name: str) -> Place:
        return self.places[self.cleaned_data[name]]

    def clean(self):
        data = super().clean()
        for name in ("source", "target", "place"):
            if name in self.fields and data.get(name):
                data[name] = self.places[data[name]]
        return data


class ReceiptForm(_MovementForm):
    place = forms.ChoiceField(label=_("Into"))
    origin = forms.ChoiceField(label=_("Origin"), choices=StockMovement.Origin.choices)
    supplier = forms.CharField(label=_("Supplier or donor"), required=False, max_length=200)
    unit_cost_yen = forms.IntegerField(
        label=_("Unit cost (yen)"), required=False, min_value=0, max_value=10_000_000
    )
    document_no = forms.CharField(label=_("Document no."), required=False, max_length=50)


class TransferForm(_MovementForm):
    source = forms.ChoiceField(label=_("From"))
    target = forms.ChoiceField(label=_("To"))


class DistributionForm(_MovementForm):
    source = forms.ChoiceField(label=_("From (storage)"))
    target = forms.ChoiceField(label=_("To (site)"))

    def _fits(self, name: str, place: Place) -> bool:
        return place.is_storage if name == "source" else not place.is_storage


class AdjustmentForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput)
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.none())
    change = forms.IntegerField(
        label=_("Change (negative to remove)"), min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000)

    def __init__(self, *args, items, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["place"].queryset = places
        self.initial.setdefault("batch", uuid.uuid4())


class CountForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput)
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.none())
    counted = forms.IntegerField(label=_("Counted quantity"), min_value=0, max_value=MAX_QUANTITY)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, items, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["place"].queryset = places
        self.initial.setdefault("batch", uuid.uuid4())


class HandoutForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput)
    what = forms.ModelChoiceField(label=_("Kit"), queryset=Kit.objects.none())
    source = forms.ModelChoiceField(label=_("From"), queryset=Place.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)

    def __init__(self, *args, kits, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["what"].queryset = kits
        self.fields["source"].queryset = places
        self.initial.setdefault("batch", uuid.uuid4())
        # One storage or one kit: chosen already.
        if len(first := list(places[:2])) == 1:
            self.initial.setdefault("source", first[0].pk)
        if len(first := list(kits[:2])) == 1:
            self.initial.setdefault("what", first[0].pk)


class ReverseForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class HistoryFilterForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), required=False)
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.none(), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "---------")] + StockMovement.Kind.choices, required=False
    )
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def __init__(self, *args, items, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["place"].queryset = places

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"))
    end = forms.DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["start"] > data["end"]:
                self.add_error("end", _("The end comes before the start."))
            elif (data["end"] - data["start"]).days > 3 * 366:
                self.add_error("end", _("Choose a period of three years at most."))
        return data


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    site_type = forms.ChoiceField(label=_("Site type"), choices=SiteType.choices)
    ward = forms.ChoiceField(label=_("Ward"), choices=Ward.choices, initial=Ward.UNKNOWN)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=200)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class MinimumForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Minimum"), min_value=0, max_value=MAX_QUANTITY)

    def __init__(self, *args, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class SiteRequestForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Place.objects.none())
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, items, sites, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["site"].queryset = sites


class ApproveForm(forms.Form):
    quantity = forms.IntegerField(label=_("Approved quantity"), min_value=1, max_value=MAX_QUANTITY)


class FulfilForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From (storage)"), queryset=Place.objects.none())

    def __init__(self, *args, storages, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = storages
