"""The series request in the OpenAPI schema: one shape per scheme.

Which format fields a series takes, which it must have and how large a
serial it may reach all depend on its scheme, and within a scheme on other
fields: a GS1 key's serial space on its company prefix's length, a Mailer
ID on its channel, a custom serial's width on its alphabet and date tokens.
OpenAPI 3.1 schemas are JSON Schema 2020-12, which says so: ``oneOf`` a
shape per scheme (``scheme`` is the discriminator), each with ``if``/
``then`` rules; a custom series' largest serial is ``oneOf`` a shape per
alphabet and width (schemathesis 4.32 cannot negate those as 30 ``if``/
``then`` rules). The rules are built from the domain (``tracking.domain``).

Said in descriptions only: ``start`` may not exceed ``end`` (JSON Schema
relates no two values), and the date tokens a counter reset needs (see
_COUNTER_RESET). tests/api/fuzz_hooks.py leaves out requests breaking them.
"""

from __future__ import annotations

import copy
import itertools
import zoneinfo

from tracking.api.serializers import SeriesSerializer
from tracking.domain import gs1, periods, s10, usps
from tracking.domain.countries import ISO_3166_ALPHA2
from tracking.domain.custom import (
    ALPHABETS,
    DIGITS_ONLY_CHECKS,
    MAX_AFFIX_LENGTH,
    MAX_AFFIX_TEMPLATE_LENGTH,
    MAX_DATED_WIDTH,
    MAX_SERIAL_WIDTH,
)
from tracking.domain.schemes import SCHEMES, build_scheme
from tracking.models import Series


def _whole(pattern) -> str:
    """A domain regex (matched with fullmatch) as a JSON Schema pattern."""
    return f"^(?:{pattern.pattern})$"


_MAILER_IDS = {channel: _whole(p) for channel, p in usps.MAILER_IDS.items()}
_TOKENS = "|".join(sorted(periods.TOKEN_WIDTHS, key=len, reverse=True))


def _affix_pattern() -> str:
    """Prefix and suffix: letters, digits, hyphens and date tokens, printing
    at most MAX_AFFIX_LENGTH characters.

    A token prints fewer characters than it is written with ({YY}: 4 -> 2),
    so the printed length is the written one less what each token sheds:
    at least k shedding tokens allow MAX_AFFIX_LENGTH + k * shed characters.
    """
    grammar = rf"(?:[A-Z0-9-]|\{{(?:{_TOKENS})\}})*"
    shed = {len(name) + 2 - width for name, width in periods.TOKEN_WIDTHS.items()}
    if not shed <= {0, 2}:  # the counting below assumes it
        raise ValueError(f"tokens shed {shed} characters")
    shedding = "|".join(
        name for name, width in periods.TOKEN_WIDTHS.items() if len(name) + 2 > width
    )
    lengths = [f".{{0,{MAX_AFFIX_LENGTH}}}"]
    for k in itertools.count(1):
        longest = MAX_AFFIX_LENGTH + 2 * k
        lengths.append(rf"(?=(?:.*?\{{(?:{shedding})\}}){{{k}}}).{{0,{longest}}}")
        if longest >= MAX_AFFIX_TEMPLATE_LENGTH:
            break
    return f"^(?={grammar}$)(?:{'|'.join(lengths)})$"


def _is(field: str, values: list, *, default: bool = False) -> dict:
    """A condition: ``field`` holds one of ``values``; with ``default``,
    leaving it out counts (the value left out is one of them)."""
    return {
        "properties": {field: {"enum": values}},
        **({} if default else {"required": [field]}),
    }


def _all(*conditions: dict) -> dict:
    return conditions[0] if len(conditions) == 1 else {"allOf": list(conditions)}


_DATED = {
    "anyOf": [
        {"required": [f], "properties": {f: {"pattern": periods.TOKEN.pattern}}}
        for f in ("prefix", "suffix")
    ]
}


def _serial_spaces(scheme: str) -> list[tuple[dict, int]]:
    """(condition, largest serial) pairs covering every series of a scheme."""
    if scheme == "s10":
        params = {"service_indicator": "RB", "country_code": "GB"}
        return [({}, build_scheme(scheme, params).max_serial)]
    if scheme in ("sscc18", "gsin"):
        return [
            (
                {"properties": {"company_prefix": {"pattern": f"^[0-9]{{{n}}}$"}}},
                build_scheme(
                    scheme, {"extension_digit": 0, "company_prefix": "0" * n}
                ).max_serial,
            )
            for n in gs1.COMPANY_PREFIX_LENGTHS
        ]
    if scheme == "usps_impb":
        mids = {"92": "900000000", "93": "000000"}
        default_length = SCHEMES[scheme].DEFAULTS["number_length"]
        return [
            (
                _all(
                    _is("channel", [channel]),
                    _is(
                        "number_length",
                        [length, None] if length == default_length else [length],
                        default=length == default_length,
                    ),
                ),
                build_scheme(
                    scheme,
                    {
                        "channel": channel,
                        "service_type_code": "001",
                        "mailer_id": mid,
                        "number_length": length,
                    },
                ).max_serial,
            )
            for channel, mid in mids.items()
            for length in (22, 26)
        ]
    # A custom serial's largest value depends on alphabet and width: the
    # widest here, each one in _custom_widths.
    widest = {
        alphabet: build_scheme(
            scheme, {"alphabet": alphabet, "serial_width": width}
        ).max_serial
        for alphabet, width in MAX_SERIAL_WIDTH.items()
    }
    return [({}, max(widest.values()))]


# Which tokens tell a reset's periods apart relates counter_reset, the
# fiscal start month and the tokens of two strings (46 smallest token sets):
# stated as anyOf branches, schemathesis 4.32 cannot draw from the schema.
_COUNTER_RESET = (
    "When the serial restarts. The date tokens of prefix and suffix together "
    "must tell its periods apart, or the series is refused (400) with the "
    "tokens to add, e.g. "
    + "; ".join(f"{reset}: {hint}" for reset, hint in periods.PERIOD_HINTS.items())
    + ". {YY} may stand for {YYYY}."
)


def _custom_widths() -> list[dict]:
    """One shape per alphabet and serial width, with its largest serial."""
    defaults = SCHEMES["custom"].DEFAULTS
    shapes = []
    for alphabet, widest in MAX_SERIAL_WIDTH.items():
        for width in range(1, widest + 1):
            largest = build_scheme(
                "custom", {"alphabet": alphabet, "serial_width": width}
            ).max_serial
            shape = _all(
                _is("alphabet", [alphabet], default=alphabet == defaults["alphabet"]),
                _is(
                    "serial_width",
                    [width, None] if width == defaults["serial_width"] else [width],
                    default=width == defaults["serial_width"],
                ),
            )
            shapes.append(_all(shape, _serial_bounds(largest)))
    return shapes


def _custom_rules() -> list[dict]:
    defaults = SCHEMES["custom"].DEFAULTS
    rules = [
        {
            "if": _is("check", sorted(DIGITS_ONLY_CHECKS)),
            "then": _is("alphabet", ["digits"], default=True),
        },
        # A dated series keeps the day with each serial: it is not
        # scrambled, and its serial is narrower.
        {"if": _DATED, "then": {"properties": {"mode": {"enum": ["sequential"]}}}},
    ]
    rules.append({"oneOf": _custom_widths()})
    for alphabet in ALPHABETS:
        is_alphabet = _is(
            "alphabet", [alphabet], default=alphabet == defaults["alphabet"]
        )
        widest = MAX_DATED_WIDTH[alphabet]
        width = {"type": "integer", "maximum": widest}
        rules.append(
            {
                "if": _all(_DATED, is_alphabet),
                "then": {
                    "properties": {"serial_width": width},
                    # Left out, the width is the default, maybe too wide.
                    **(
                        {"required": ["serial_width"]}
                        if defaults["serial_width"] > widest
                        else {}
                    ),
                },
            }
        )
    return rules


def _field_rules(scheme: str) -> dict[str, dict]:
    """What each format field the scheme uses accepts."""
    if scheme == "s10":
        return {
            "service_indicator": {
                "type": "string",
                "pattern": _whole(s10.SERVICE_INDICATOR),
            },
            "country_code": {"enum": sorted(ISO_3166_ALPHA2)},
        }
    if scheme in ("sscc18", "gsin"):
        return {
            "extension_digit": {"type": "integer", "minimum": 0, "maximum": 9},
            "company_prefix": {
                "type": "string",
                "pattern": _whole(gs1.COMPANY_PREFIX),
            },
        }
    if scheme == "usps_impb":
        return {
            "channel": {"enum": sorted(_MAILER_IDS)},
            "service_type_code": {
                "type": "string",
                "pattern": _whole(usps.SERVICE_TYPE_CODE),
            },
            "mailer_id": {
                "type": "string",
                "pattern": "^(?:"
                + "|".join(p.pattern for p in usps.MAILER_IDS.values())
                + ")$",
            },
            "number_length": {"enum": [22, 26, None]},
        }
    affix = {
        "type": "string",
        "maxLength": MAX_AFFIX_TEMPLATE_LENGTH,
        "pattern": _affix_pattern(),
    }
    return {
        "prefix": affix,
        "suffix": affix,
        "serial_width": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": max(MAX_SERIAL_WIDTH.values()),
        },
        "fiscal_start_month": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": 12,
        },
        "timezone": {"enum": ["", *sorted(zoneinfo.available_timezones())]},
    }


def _api_name(field: str) -> str:
    return "check" if field == "check_char" else field


def _unused_values(fields, name: str) -> list:
    """What a field a scheme does not use may hold: its default, or empty."""
    field = fields[name]
    model_field = Series._meta.get_field(field.source)
    values = [model_field.get_default()]
    if field.allow_null:
        values.append(None)
    if getattr(field, "allow_blank", False):
        values.append("")
    return list(dict.fromkeys(values))


def _scheme_branch(base: dict, scheme: str, fields) -> dict:
    properties = copy.deepcopy(base["properties"])
    properties["scheme"] = {"type": "string", "enum": [scheme]}
    used = {_api_name(f) for f in Series.format_fields_of(scheme)}
    for name in map(_api_name, Series.FORMAT_FIELDS):
        if name not in used:
            properties[name] = {
                "enum": _unused_values(fields, name),
                "description": "Not used by this scheme: left out, or its default.",
            }
    for name, rule in _field_rules(scheme).items():
        if name in used:
            properties[name] = {**rule, **_described(properties[name])}
    spaces = _serial_spaces(scheme)
    largest = max(m for _, m in spaces)
    for name in ("start", "end"):
        properties[name] = {
            **properties[name],
            "minimum": 0,
            "maximum": largest,
            "format": "int64",
        }
    properties["start"]["description"] = "First serial; at most end."
    properties["end"]["description"] = (
        "Last serial, at least start; the scheme's largest if left out."
    )
    rules = [
        {"if": condition, "then": _serial_bounds(largest_serial)}
        for condition, largest_serial in spaces
        if largest_serial != largest or condition != {}
    ]
    if scheme == "usps_impb":
        rules += [
            {
                "if": _is("channel", [channel]),
                "then": {"properties": {"mailer_id": {"pattern": pattern}}},
            }
            for channel, pattern in _MAILER_IDS.items()
        ]
    if scheme == "custom":
        rules += _custom_rules()
        properties["counter_reset"]["description"] = _COUNTER_RESET
    required = [
        *base["required"],
        *(_api_name(f) for f in SCHEMES[scheme].REQUIRED),
    ]
    branch = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if rules:
        branch["allOf"] = rules
    return branch


def _described(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k in ("title", "description")}


def _serial_bounds(largest: int) -> dict:
    bound = {"maximum": largest}
    return {"properties": {"start": bound, "end": bound}}


def state_series_rules(result, generator, request, public):
    """Replace SeriesRequest with one shape per scheme (see above)."""
    schemas = result["components"]["schemas"]
    base = schemas.get("SeriesRequest")
    if base is None:
        return result
    fields = SeriesSerializer().fields
    mapping = {}
    for scheme in Series.Scheme:
        name = f"Series{''.join(p.title() for p in scheme.value.split('_'))}Request"
        schemas[name] = {
            "title": scheme.label,
            **_scheme_branch(base, scheme.value, fields),
        }
        mapping[scheme.value] = f"#/components/schemas/{name}"
    schemas["SeriesRequest"] = {
        "description": "A series: its scheme decides which format fields it "
        "takes and how large its serials may be.",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "scheme", "mapping": mapping},
    }
    return result
