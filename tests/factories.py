"""factory_boy factories for the rows tests set up."""

from __future__ import annotations

import factory

from tracking.models import Batch, Series
from tracking.services import series_ensure_default, series_save


class SeriesFactory(factory.django.DjangoModelFactory):
    """A series saved the way the product saves one: through ``series_save``,
    so it is validated and gets its allocator. The fields a test names are
    the series; the rest default to a custom scheme named after its code."""

    class Meta:
        model = Series

    code = factory.Sequence(lambda n: f"series-{n}")
    name = factory.LazyAttribute(lambda series: series.code.capitalize())
    scheme = Series.Scheme.CUSTOM

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Series:
        return series_save(series=model_class(*args, **kwargs))


class S10SeriesFactory(SeriesFactory):
    """A UPU S10 series: two letters, eight digits, a check digit, a country."""

    scheme = Series.Scheme.S10
    service_indicator = "RB"
    country_code = "GB"


class SsccSeriesFactory(SeriesFactory):
    """An SSCC-18 series of pallets, by default under GS1's example prefix."""

    code = "pallets"
    scheme = Series.Scheme.SSCC18
    extension_digit = 3
    company_prefix = "0614141"


class ScrambledSeriesFactory(SeriesFactory):
    """A custom series whose serials are issued in a keyed, scrambled order."""

    code = "scr"
    name = "Scrambled"
    mode = Series.Mode.SCRAMBLED


class BatchFactory(factory.django.DjangoModelFactory):
    """A batch row as a crash or another host left it: its serial block is
    taken as reserved, and its status is what the test names."""

    class Meta:
        model = Batch

    series = factory.LazyFunction(series_ensure_default)
    quantity = 40
    first_serial = factory.Sequence(lambda n: 600_000 + 1_000 * n)
    source = Batch.Source.PORTAL
