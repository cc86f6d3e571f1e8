"""Tables of the tracking number generator: fields, constraints and indexes."""

from __future__ import annotations

import uuid
from functools import cached_property

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tracking.domain.schemes import SCHEMES, build_scheme

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
        CUSTOM = "custom", "Custom"

    class Mode(models.TextChoices):
        SEQUENTIAL = "sequential", "Sequential"
        SCRAMBLED = "scrambled", "Scrambled (not guessable)"

    class Alphabet(models.TextChoices):
        DIGITS = "digits", "Digits 0-9"
        BASE32 = "base32", "Crockford base32"

    class Channel(models.TextChoices):
        MID9 = "92", "92 (9-digit Mailer ID)"
        MID6 = "93", "93 (6-digit Mailer ID)"

    class Check(models.TextChoices):
        NONE = "none", "None"
        LUHN = "luhn", "Luhn"
        GS1 = "gs1", "GS1 mod 10"
        MOD11 = "mod11", "UPU mod 11"
        MOD37 = "mod37", "ISO 7064 MOD 37,36"

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
    prefix = models.CharField(max_length=12, blank=True)
    suffix = models.CharField(max_length=12, blank=True)
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
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
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
    )

    @classmethod
    def format_fields_of(cls, scheme: str) -> tuple[str, ...]:
        """The FORMAT_FIELDS a scheme uses (the domain's parameters)."""
        scheme_cls = SCHEMES.get(scheme)
        if scheme_cls is None:
            return ()
        names = {*scheme_cls.REQUIRED, *scheme_cls.DEFAULTS}
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
        }

    @cached_property
    def domain_scheme(self):
        return build_scheme(self.scheme, self.scheme_params())

    @property
    def capacity(self) -> int:
        return self.end - self.start + 1


class ApiClient(models.Model):
    """A machine caller: a label printer, an order pipeline, a carrier."""

    name = models.CharField(max_length=100, unique=True)
    # Only a SHA-256 of the token is stored; the token is shown once.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)
    series = models.ManyToManyField(Series, blank=True, related_name="clients")
    can_admin_series = models.BooleanField(
        default=False, help_text="May use and administer every series."
    )
    can_create_batches = models.BooleanField(
        "may create batches",
        default=False,
        help_text="May reserve blocks of up to 10,000,000 numbers with POST "
        "/tracking/batches/. Clients that administer series always may.",
    )
    rate = models.CharField(
        max_length=32,
        blank=True,
        help_text="Request rate such as 100/second; empty uses the default.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name

    # DRF's IsAuthenticated asks request.user this.
    is_authenticated = True
    is_anonymous = False


class Batch(models.Model):
    """One bulk run: a reserved serial block written in chunks."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "API"
        SCHEDULE = "schedule", "Schedule"
        # Numbers kept in stock by a pool rule (tracking.tasks.pool_top_up).
        POOL = "pool", "Pool"

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="batches")
    quantity = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    # The reserved block: serials first_serial .. first_serial + quantity - 1.
    first_serial = models.BigIntegerField()
    reference_prefix = models.CharField(max_length=80, blank=True)
    # True: a number's reference is reference_prefix + its 1-based position
    # (the API's batches); False: reference_prefix is stored as typed on
    # every number (the portal's form), so a search for it finds them all.
    reference_numbered = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The runner at work and until when (database clock); each chunk renews
    # it. A runner only starts on a batch whose lease is free or expired.
    locked_by = models.CharField(max_length=100, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "batches"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("quantity")),
                name="tracking_batch_done_le_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.pk}"

    @property
    def progress(self) -> float:
        return self.done / self.quantity if self.quantity else 1.0


class TrackingNumber(models.Model):
    """One issued number."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        USED = "used", "Used"
        VOID = "void", "Void"

    # Unique through Meta.constraints, with one index serving both exact and
    # prefix lookups. Every index costs each insert; see Meta.indexes.
    number = models.CharField(max_length=48)
    # Foreign keys below are served by the composite and partial indexes in
    # Meta (series: series+serial, client: client+id), not by their own.
    # The four set when a number is issued have no database constraint: its
    # per-row check (a locking lookup of the parent row at commit) is a large
    # part of an insert's cost. Every parent is PROTECTed here and, on
    # PostgreSQL, by a delete guard (migration 0009), and numbers are only
    # written by tracking.services with ids of rows it has just read.
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
        db_constraint=False,
    )
    serial = models.BigIntegerField()
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=6, choices=Status.choices, default=Status.ISSUED
    )
    reference = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    client = models.ForeignKey(
        ApiClient,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    batch = models.ForeignKey(
        Batch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Pattern ops let the same unique index serve LIKE 'ABC%' under a
            # non-C collation as well as equality (PostgreSQL; elsewhere a
            # plain unique index).
            models.UniqueConstraint(
                fields=["number"],
                name="tracking_number_unique",
                opclasses=["varchar_pattern_ops"],
            ),
            models.UniqueConstraint(
                fields=["series", "serial"], name="tracking_number_series_serial"
            ),
        ]
        # Each index is written on every insert, so a batch runs at the rate
        # of its indexes. Rarely set columns get partial indexes, which rows
        # outside their condition do not pay for.
        indexes = [
            # Serves the portal's case-insensitive reference search
            # (reference__iexact). Built concurrently by migration 0014.
            models.Index(
                Upper("reference"),
                name="tracking_number_reference_ci",
                condition=~Q(reference=""),
            ),
            models.Index(fields=["created_at"], name="tracking_number_created"),
            models.Index(fields=["client", "id"], name="tracking_number_client"),
            models.Index(
                fields=["batch"],
                name="tracking_number_batch",
                condition=Q(batch__isnull=False),
            ),
            models.Index(
                fields=["status"],
                name="tracking_number_not_issued",
                condition=~Q(status="issued"),
            ),
            models.Index(
                fields=["issued_by"],
                name="tracking_number_issued_by",
                condition=Q(issued_by__isnull=False),
            ),
            models.Index(
                fields=["voided_by"],
                name="tracking_number_voided_by",
                condition=Q(voided_by__isnull=False),
            ),
        ]
        permissions = [
            ("void_trackingnumber", "Can void tracking numbers"),
            ("use_trackingnumber", "Can mark tracking numbers as used"),
            ("export_trackingnumber", "Can export tracking numbers"),
            ("import_trackingnumber", "Can import tracking numbers"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def effective_metadata(self) -> dict:
        """A batch's metadata is stored once, on the batch, not on its rows."""
        return self.batch.metadata if self.batch_id else self.metadata


class IdempotencyRecord(models.Model):
    """The stored answer to a request made with an Idempotency-Key."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "key"], name="tracking_idempotency_client_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"


class PortalSubmission(models.Model):
    """One submitted portal form, by the token the form carried.

    A second POST of the same token (a double click, a resubmitted page)
    finds this row and is shown the first one's result instead of writing
    again.
    """

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return str(self.token)


class ExportJob(models.Model):
    """A background export of a filtered list, streamed to a file."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"
        JSON = "json", "JSON"

    format = models.CharField(max_length=4, choices=Format.choices)
    # The changelist's query string (filters and search) it was started from.
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}, {self.status})"


class ScheduleRun(models.Model):
    """One slot of a schedule that made a batch; the unique key is the guard.

    Two beat processes, or a task delivered twice, both try to insert the
    same (schedule, slot) row; the database lets exactly one through.
    """

    schedule = models.CharField(max_length=200)
    slot = models.DateTimeField()
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "slot"], name="tracking_schedule_run_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.slot:%Y-%m-%d %H:%M:%S}"


class Schedule(PeriodicTask):
    """A recurring batch or a pool rule, as staff see it in the portal.

    The row is django-celery-beat's PeriodicTask (beat reads it); the
    portal lists only the two tasks staff may schedule
    (tracking.services.schedules), never internal ones.
    """

    # The registered names of the two tasks (tracking.tasks).
    BATCH_TASK = "tracking.tasks.schedule_batch"
    POOL_TASK = "tracking.tasks.pool_top_up"

    class Meta:
        proxy = True
        verbose_name = "schedule"
