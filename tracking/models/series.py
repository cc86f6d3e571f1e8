"""Series: a number format and its serial range."""

from __future__ import annotations

from functools import cached_property

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import now

from tracking.domain.schemes import SCHEMES, build_scheme
from tracking.models.fields import unique

series_code_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens, e.g. rb-gb.",
)


class SeriesCodeField(models.CharField):
    """A series code, case-insensitive: lower-cased when cleaned, saved and
    looked up, so ``RB-GB`` finds ``rb-gb`` and cannot be created beside it.

    Deconstructs as a plain CharField: the rule is Python's, the column
    and its unique index stay as they are.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.lower() if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.lower() if isinstance(value, str) else value

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class Series(models.Model):
    """One numbering scheme with its own serial allocator (tracking.allocation)."""

    class Scheme(models.TextChoices):
        S10 = "s10", "UPU S10 (postal item)"
        SSCC18 = "sscc18", "GS1 SSCC-18 (logistic unit)"
        GSIN = "gsin", "GS1 GSIN (shipment)"
        USPS_IMPB = "usps_impb", "USPS IMpb (own Mailer ID)"
        CUSTOM = "custom"

    class Mode(models.TextChoices):
        SEQUENTIAL = "sequential"
        SCRAMBLED = "scrambled", "Scrambled (not guessable)"

    class Alphabet(models.TextChoices):
        DIGITS = "digits", "Digits 0-9"
        BASE32 = "base32", "Crockford base32"

    class Check(models.TextChoices):
        NONE = "none"
        LUHN = "luhn"
        GS1 = "gs1", "GS1 mod 10"
        MOD11 = "mod11", "UPU mod 11"
        MOD37 = "mod37", "ISO 7064 MOD 37,36"

    class CounterReset(models.TextChoices):
        NEVER = "never"
        YEARLY = "yearly", "Every (fiscal) year"
        MONTHLY = "monthly", "Every month"
        WEEKLY = "weekly", "Every ISO week"
        DAILY = "daily", "Every day"

    class Channel(models.TextChoices):
        MID9 = "92", "92 (9-digit Mailer ID)"
        MID6 = "93", "93 (6-digit Mailer ID)"

    code = SeriesCodeField(
        max_length=32, unique=True, validators=[series_code_validator]
    )
    name = models.CharField(max_length=100)
    scheme = models.CharField(max_length=10, choices=Scheme.choices)
    mode = models.CharField(
        max_length=12, choices=Mode.choices, default=Mode.SEQUENTIAL
    )
    # Scheme parameters; which apply depends on ``scheme``.
    service_indicator = models.CharField(max_length=2, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    extension_digit = models.PositiveSmallIntegerField(null=True, blank=True)
    company_prefix = models.CharField(max_length=10, blank=True)
    channel = models.CharField(
        "IMpb channel", max_length=2, choices=Channel.choices, blank=True
    )
    service_type_code = models.CharField(
        max_length=3, blank=True, help_text="USPS service type code, e.g. 001."
    )
    mailer_id = models.CharField("Mailer ID", max_length=9, blank=True)
    number_length = models.PositiveSmallIntegerField(
        "IMpb length",
        choices=[(22, "22 digits"), (26, "26 digits")],
        null=True,
        blank=True,
    )
    # Up to 12 printed characters; date tokens such as {YYYY} take more.
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    counter_reset = models.CharField(
        max_length=7,
        choices=CounterReset.choices,
        default=CounterReset.NEVER,
        blank=True,
        help_text="When the serial restarts; prefix or suffix must print the "
        "period with date tokens.",
    )
    fiscal_start_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="First month of the fiscal year (empty: January), for {FY} "
        "and yearly counters.",
    )
    timezone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        help_text="IANA name, e.g. Europe/Berlin, for date tokens and counter "
        "periods; empty: the site's.",
    )
    serial_width = models.PositiveSmallIntegerField(null=True, blank=True)
    alphabet = models.CharField(
        max_length=6, choices=Alphabet.choices, default=Alphabet.DIGITS
    )
    # Named check_char because Model.check() is Django's system-check hook.
    check_char = models.CharField(
        "check character", max_length=5, choices=Check.choices, default=Check.NONE
    )
    # Carrier formats that also accept this series' numbers, which staff
    # chose to accept when creating it (empty: none, or not a custom series).
    carrier_overlap = models.CharField(max_length=200, blank=True, editable=False)
    # Serial range, both ends inclusive. On SQLite ``next_serial`` is the
    # allocator's counter; PostgreSQL uses a sequence per series instead
    # (tracking.allocation owns both).
    start = models.BigIntegerField(default=0)
    end = models.BigIntegerField()
    next_serial = models.BigIntegerField(editable=False)
    # Of the TRACKING_SCRAMBLE_KEY a scrambled series was created with.
    scramble_key_fingerprint = models.CharField(
        max_length=16, blank=True, editable=False
    )
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    # timezone is a field here: the module's now() is reached by its path.
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["code"]
        constraints = [
            unique(
                "is_default",
                condition=Q(is_default=True),
                name="tracking_series_one_default",
            ),
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gte=models.F("start")),
                name="tracking_series_range_valid",
            ),
            # The allocator never passes the end by more than one.
            models.CheckConstraint(
                condition=Q(next_serial__gte=models.F("start"))
                & Q(next_serial__lte=models.F("end") + 1),
                name="tracking_series_next_serial_in_range",
            ),
        ]
        permissions = [("issue_series", "Can issue numbers from a series")]

    def __str__(self) -> str:
        return self.code

    # The columns that make up a series' number format (check_char is the
    # scheme's "check"); the admin and the API build on this one list.
    FORMAT_FIELDS = (
        "service_indicator",
        "country_code",
        "extension_digit",
        "company_prefix",
        "channel",
        "service_type_code",
        "mailer_id",
        "number_length",
        "prefix",
        "suffix",
        "serial_width",
        "alphabet",
        "check_char",
        "counter_reset",
        "fiscal_start_month",
        "timezone",
    )

    @classmethod
    def format_fields_of(cls, scheme: str) -> tuple[str, ...]:
        """The FORMAT_FIELDS a scheme uses (the domain's parameters)."""
        scheme_cls = SCHEMES.get(scheme)
        if scheme_cls is None:
            return ()
        names = {*scheme_cls.REQUIRED, *scheme_cls.DEFAULTS}
        if "counter_reset" in names:
            # Not a format parameter: the zone date tokens are read in.
            names.add("timezone")
        return tuple(
            f
            for f in cls.FORMAT_FIELDS
            if ("check" if f == "check_char" else f) in names
        )

    def scheme_params(self) -> dict[str, object]:
        return {
            "service_indicator": self.service_indicator,
            "country_code": self.country_code,
            "extension_digit": self.extension_digit,
            "company_prefix": self.company_prefix,
            "channel": self.channel,
            "service_type_code": self.service_type_code,
            "mailer_id": self.mailer_id,
            "number_length": self.number_length,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "serial_width": self.serial_width,
            "alphabet": self.alphabet,
            "check": self.check_char,
            "counter_reset": self.counter_reset,
            "fiscal_start_month": self.fiscal_start_month,
        }

    @cached_property
    def domain_scheme(self):
        return build_scheme(self.scheme, self.scheme_params())

    @property
    def capacity(self) -> int:
        return self.end - self.start + 1


class SeriesPeriod(models.Model):
    """One counter period of a series whose counter resets, made on first use.

    On PostgreSQL its allocator is a sequence of its own (see
    ``tracking.allocation``); on SQLite ``next_serial`` is the counter.
    """

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_serial = models.BigIntegerField()

    class Meta:
        constraints = [unique("series", "start", name="tracking_series_period_unique")]

    def __str__(self) -> str:
        return f"{self.series_id}@{self.start}"
