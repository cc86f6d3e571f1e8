"""Reads of series: the ones a client sees and the next numbers."""

from __future__ import annotations

from dataclasses import dataclass

from tracking import exceptions as exc
from tracking.allocation import (
    series_draw_serial,
    series_next_serials,
    series_number_format,
    series_serial_parse,
    series_today,
    series_usage_annotate,
)
from tracking.domain.periods import zone_exists
from tracking.domain.schemes import (
    InvalidNumber,
    InvalidSchemeParams,
    WrongCheckCharacter,
)
from tracking.messages import (
    NUMBER_WRONG_CHECK,
    PREVIEW_EXHAUSTED,
    PREVIEW_SCRAMBLED,
    PREVIEW_SEQUENTIAL,
    SERIES_NOT_VISIBLE,
    SERIES_TIMEZONE_INVALID,
    counted,
)
from tracking.models import (
    ApiClient,
    Series,
)
from tracking.selectors.clients import api_client_may_use


def _series_parse(
    *, client: ApiClient | None, number: str
) -> tuple[Series | None, int | None, list[str]]:
    """The first of the client's series that could have made ``number``
    and its serial; else, for each series whose format fits all but the
    check character, a message naming that check character."""
    wrong_check = []
    for series in series_list(client=client):
        try:
            serial = series_serial_parse(series=series, number=number)
        except WrongCheckCharacter as e:
            wrong_check.append(NUMBER_WRONG_CHECK.format(code=series.code, error=e))
        except (InvalidNumber, ValueError, exc.ScrambleKeyChanged):
            pass
        else:
            return series, serial, []
    return None, None, wrong_check


def series_list(*, client: ApiClient | None) -> list[Series]:
    """The series a client may use, with their ``allocated`` and ``remaining``."""
    series = list(Series.objects.all())
    if client is not None:
        series = [s for s in series if api_client_may_use(client=client, series=s)]
    return series_usage_annotate(series)


def series_get_visible(*, client: ApiClient | None, code: str) -> Series:
    wanted = Series._meta.get_field("code").to_python(code)  # case ignored
    for s in series_list(client=client):
        if s.code == wanted:
            return s
    raise exc.NotFound(SERIES_NOT_VISIBLE.format(code=code))


PREVIEW_MAX = 10


@dataclass(frozen=True)
class SeriesPreview:
    """The numbers a series' next draws would give, or why not shown."""

    series: str
    predictable: bool
    numbers: list[str]
    remaining: int
    note: str


def series_previews(*, series: list[Series], count: int) -> dict[int, SeriesPreview]:
    """Preview the next ``count`` numbers of each series, allocating nothing.

    One query reads every allocator. A scrambled series shows no numbers:
    showing them would give away the order its permutation hides.
    """
    nexts = series_next_serials(series)
    previews = {}
    for s in series:
        remaining = s.end + 1 - nexts[s.pk]
        serials = range(nexts[s.pk], nexts[s.pk] + min(count, remaining))
        predictable = s.mode != Series.Mode.SCRAMBLED
        notes = [PREVIEW_SEQUENTIAL if predictable else PREVIEW_SCRAMBLED]
        if remaining < count:
            notes.append(
                PREVIEW_EXHAUSTED.format(remaining=counted(remaining, "serial"))
            )
        previews[s.pk] = SeriesPreview(
            series=s.code,
            predictable=predictable,
            numbers=[
                series_number_format(series=s, serial=series_draw_serial(s, n))
                for n in serials
            ]
            if predictable
            else [],
            remaining=remaining,
            note=" ".join(notes),
        )
    return previews


def series_draft_first_number(*, series: Series) -> str:
    """The first number a series being created would issue, saving nothing.

    For the portal's form, as staff type. A scrambled series' first number
    depends on its key, so its number shows the format only.
    """
    try:
        scheme = series.domain_scheme
    except InvalidSchemeParams as e:
        raise exc.ValidationFailed(e.errors) from e
    start = series.start or 0
    if not 0 <= start <= scheme.max_serial:
        raise exc.ValidationFailed(
            {"start": f"This scheme's serials run from 0 to {scheme.max_serial}."}
        )
    if series.timezone and not zone_exists(series.timezone):
        raise exc.ValidationFailed({"timezone": SERIES_TIMEZONE_INVALID})
    if scheme.dated:
        scheme = scheme.on(series_today(series))
    return scheme.format(start)


def series_preview(*, series: Series, count: int) -> SeriesPreview:
    """Preview the next ``count`` numbers of one series (see above)."""
    return series_previews(series=[series], count=count)[series.pk]
