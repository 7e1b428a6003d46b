"""Codes shared by several apps, exactly as in the domain reference (codes stable, labels
translated). Codes used by one model only are nested in that model."""

import functools

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class Ward(models.TextChoices):
    """居住区: the 24 wards of Osaka City by local-government code, plus outside/unknown."""

    MIYAKOJIMA = "271021", _("Miyakojima-ku")  # 都島区
    FUKUSHIMA = "271039", _("Fukushima-ku")  # 福島区
    KONOHANA = "271047", _("Konohana-ku")  # 此花区
    NISHI = "271063", _("Nishi-ku")  # 西区
    MINATO = "271071", _("Minato-ku")  # 港区
    TAISHO = "271080", _("Taisho-ku")  # 大正区
    TENNOJI = "271098", _("Tennoji-ku")  # 天王寺区
    NANIWA = "271110", _("Naniwa-ku")  # 浪速区
    NISHIYODOGAWA = "271136", _("Nishiyodogawa-ku")  # 西淀川区
    HIGASHIYODOGAWA = "271144", _("Higashiyodogawa-ku")  # 東淀川区
    HIGASHINARI = "271152", _("Higashinari-ku")  # 東成区
    IKUNO = "271161", _("Ikuno-ku")  # 生野区
    ASAHI = "271179", _("Asahi-ku")  # 旭区
    JOTO = "271187", _("Joto-ku")  # 城東区
    ABENO = "271195", _("Abeno-ku")  # 阿倍野区
    SUMIYOSHI = "271209", _("Sumiyoshi-ku")  # 住吉区
    HIGASHISUMIYOSHI = "271217", _("Higashisumiyoshi-ku")  # 東住吉区
    NISHINARI = "271225", _("Nishinari-ku")  # 西成区
    YODOGAWA = "271233", _("Yodogawa-ku")  # 淀川区
    TSURUMI = "271241", _("Tsurumi-ku")  # 鶴見区
    SUMINOE = "271250", _("Suminoe-ku")  # 住之江区
    HIRANO = "271268", _("Hirano-ku")  # 平野区
    KITA = "271276", _("Kita-ku")  # 北区
    CHUO = "271284", _("Chuo-ku")  # 中央区
    OUTSIDE = "outside", _("Outside the city")  # 市外
    UNKNOWN = "unknown", _("Unknown")  # 不明


@functools.cache
def _labels_of(field) -> dict:
    """A field's code → label map, built once per field (the labels stay lazy)."""
    return dict(field.flatchoices)


class ChoiceDisplay:
    """A model mixin: `get_<field>_display()` by one dictionary lookup. Django's own builds
    the field's choices anew on each call and hashes every lazy label in them, which
    translates all of them: 26 gettext calls for one ward, 150 displays on a 50-row list."""

    def _get_FIELD_display(self, field):  # noqa: N802 (the name Django's display methods call)
        value = getattr(self, field.attname)
        try:
            label = _labels_of(field).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
