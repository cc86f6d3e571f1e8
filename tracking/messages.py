"""Every text the app shows to API clients, portal users and operators.

Services, the API, the portal and the tests read these. The domain keeps its
own texts (tracking.domain stays free of the app), and tracking.health its
status strings.
"""

# ruff: noqa: S105 - texts, not secrets


def counted(n: int, noun: str) -> str:
    """How every text counts: ``1 number``, ``2 numbers``, ``1,000 numbers``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


# SERIES
# ------------------------------------------------------------------------------

SERIES_UNKNOWN = (
    "Unknown series {code!r}. List the series you may use at GET /tracking/series/."
)
SERIES_NOT_VISIBLE = "No series {code!r} is visible to this client."
SERIES_FIELD_NOT_APPLICABLE = "Does not apply to a {scheme} series; leave it empty."
SERIES_INACTIVE = (
    "Series {code!r} is not active. Ask an administrator to reactivate it or "
    "use another series."
)
SERIES_FORBIDDEN = (
    "This client may not use series {code!r}. Ask an administrator to grant it."
)
SERIES_EXHAUSTED = (
    "Series {code!r} cannot issue {count}: only {remaining} of its "
    "{capacity} serials are left. Create a new series (a sequential series' "
    "range can also be extended; a used scrambled series' range is fixed)."
)
SERIES_PERIOD_EXHAUSTED = (
    "Series {code!r} cannot issue {count} in period {period}: only "
    "{remaining} of its {capacity} serials per period are left. Its counter "
    "starts again in the next period."
)
NO_DEFAULT_SERIES = (
    "No default series is configured. Name a series in the request body."
)
SERIES_COLLIDES = (
    "Numbers of this series could equal numbers of series {other!r}. Use a "
    "different prefix, suffix or length, or a serial range that does not "
    "overlap {other!r}'s ({start}..{end})."
)
SERIES_CODE_TAKEN = "Series {code!r} already exists. Choose another code."
SERIES_TIMEZONE_INVALID = "Use an IANA time zone name, e.g. Europe/Berlin."
SERIES_DATED_SCRAMBLED = (
    "A series that prints the date of issue is sequential: choose the "
    "sequential mode or remove the date tokens."
)
CARRIER_OVERLAP = (
    "Numbers of this series are also valid {formats} numbers (e.g. {example}): "
    "scanners and carriers could take them for those. Change the prefix, the "
    "width or the check, or accept the overlap."
)
MAPPING_FROZEN = (
    "Serials of this scrambled series are already issued, so its range is "
    "fixed: another range would map serials to numbers already issued. "
    "Create a new series instead."
)
MODE_FROZEN = (
    "Serials of this series are already issued, so its mode is fixed. "
    "Create a new series instead."
)
ALLOCATOR_BUSY = (
    "The allocator of series {code!r} is held by a long transaction; "
    "nothing was reserved. Retry in a few seconds."
)
SCRAMBLE_KEY_CHANGED = (
    "Series {code!r} is scrambled with another TRACKING_SCRAMBLE_KEY than "
    "the one configured: the key changed, so its numbers cannot be issued "
    "or read. Restore the key that created the series."
)
SERIES_ADMIN_ONLY = "Only clients that administer series may create or change them."
SERIES_FIXED_FIELDS = (
    "Cannot be changed after the series is created; create a new series instead."
)
SERIES_ALREADY_RESERVED = "Series {code!r} has no unissued serials left to reserve."
PREVIEW_SEQUENTIAL = (
    "The next numbers this series would issue. Nothing is reserved: another "
    "caller may draw them first."
)
PREVIEW_SCRAMBLED = (
    "A scrambled series' numbers are not predictable, on purpose: each "
    "serial passes through a keyed permutation, so that no number tells the "
    "next. They are shown once issued."
)
PREVIEW_EXHAUSTED = "This series has only {remaining} left."

# NUMBERS
# ------------------------------------------------------------------------------

NUMBER_NOT_FOUND = "No tracking number {number!r} was issued to this client."
NUMBER_ALREADY_VOID = "Tracking number {number!r} is already void."
NUMBER_VOID_CANNOT_BE_USED = (
    "Tracking number {number!r} is void and cannot be marked as used."
)
VOID_REASON_REQUIRED = "Give a reason for voiding, e.g. “label damaged”."
NUMBER_COLLISION = (
    "A generated number already exists (an imported number?); nothing was "
    "stored and the serial is skipped. Retry the request; if this repeats, "
    "tell the operators."
)
IDEMPOTENCY_KEY_REUSED = (
    "This Idempotency-Key was already used with a different request body. "
    "Use a new key for a new request."
)
IDEMPOTENCY_IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed. Retry "
    "after it finishes to get its response."
)
METADATA_NOT_OBJECT = 'Send metadata as a JSON object, e.g. {"order": "A-1"}.'
METADATA_TOO_LARGE = "Keep metadata under 4096 bytes of JSON."
NOT_ASCII = (
    "Character {position} is {char!r}, which no tracking number contains; "
    "type it in plain letters A-Z and digits."
)
NUMBER_WRONG_CHECK = (
    "Has the shape of a number of series {code!r}, but its {error}: a typing error?"
)
NO_FORMAT = (
    "Not a number of any known carrier format, and no series of ours has "
    "this format and check character."
)

# BATCHES
# ------------------------------------------------------------------------------

QUANTITY_RANGE = "Ask for between 1 and {max:,} numbers."
COUNT_TOO_LARGE = (
    "Ensure this value is less than or equal to {max}; for more numbers at "
    "once, create a batch with POST /tracking/batches/."
)
BATCH_REFERENCE_PREFIX_TOO_LONG = "Keep the reference prefix to 80 characters."
BATCH_BROKER_UNAVAILABLE = (
    "The task queue (Redis) is not reachable, so the batch was not created and "
    "no serials were reserved. Retry in a minute; single numbers from POST "
    "/tracking/generate/ still work."
)
BATCH_NOT_FOUND = "No batch {id} was created by this client."
BATCH_NOT_CANCELLABLE = (
    "Batch {id} is {status}; only pending or running batches can be cancelled."
)
BATCH_NOT_FINISHED = (
    "Batch {id} is {status} ({done} of {quantity} numbers written); its CSV "
    "is ready once its status is done. Follow its progress at "
    "GET /tracking/batches/{id}/."
)
BATCH_NOT_RETRYABLE = (
    "Batch {id} is {status}; only failed or cancelled batches can be retried."
)
BATCH_NOT_STALLED = (
    "Batch {id} is not stalled: it is finished, or queued or running with a "
    "recent heartbeat. Resume a batch whose worker has gone quiet."
)
BATCH_COLLISION = (
    "A number of this batch's reserved block already exists, so the batch "
    "stopped with {done} of {quantity} numbers written and skipped nothing. "
    "Another series may format serials to the same numbers (give each series "
    "its own prefix or suffix); otherwise report it as a bug."
)
BATCH_FORBIDDEN = (
    "This client may not create batches. An administrator can allow it: tick "
    "'May create batches' on the client in the portal (API clients), or "
    "create a client with `manage.py create_api_client NAME --batches`."
)
BATCHES_OPEN_MAX = (
    "This client already has {count} unfinished batches, the most it may have "
    "at once (TRACKING_CLIENT_OPEN_BATCHES_MAX). Wait for one to finish or "
    "cancel one (GET /tracking/batches/ lists them), then retry."
)

# SCHEDULES AND POOLS
# ------------------------------------------------------------------------------

POOL_MINIMUM_INVALID = "Keep a pool minimum between 1 and {max:,} numbers."
SCHEDULE_NEEDS_ONE_TIMING = "Give either a crontab or an interval, one of the two."
CRONTAB_FIVE_FIELDS = "five fields are needed"
CRONTAB_INVALID = (
    "Use five crontab fields - minute hour day month weekday, in UTC - e.g. "
    "0 2 * * * for every day at 02:00 ({error})."
)
SCHEDULE_EVERY_INVALID = "Run it every 1 second to 366 days."
SCHEDULE_NAME_TAKEN = "A schedule with this name exists; pick another name."

# EXPORTS AND IMPORTS
# ------------------------------------------------------------------------------

EXPORT_QUEUED = (
    "The export has {rows}+ rows, so it runs in the background. Download it "
    "from Export jobs when it is done."
)
EXPORT_NOT_READY = "This export has no file yet (status: {status})."
IMPORT_SERIES_UNKNOWN = "Unknown series {code!r}."
IMPORT_SERIAL_UNISSUED = (
    "Serial {serial} is still in series {code!r}'s unissued range, so its "
    "allocator would hand it out later. Import into a series reserved for "
    "externally allocated numbers (Series > Reserve remaining range for "
    "import)."
)
IMPORT_SERIAL_IN_BATCH = (
    "Serial {serial} belongs to the block reserved by batch {batch}, which is "
    "{status} and has not written all its numbers: it would fail on this one "
    "when it does. Import numbers outside batch blocks (Series > Reserve "
    "remaining range for import)."
)
IMPORT_DATED = (
    "Series {code!r} prints the date of issue: its numbers cannot be imported."
)
IMPORT_NUMBER_MALFORMED = "Not a number of series {code!r}: {error}"
IMPORT_NUMBER_EXISTS = "Tracking number {number!r} already exists."

# API REQUESTS
# ------------------------------------------------------------------------------

TOKEN_MISSING = "Send your API token as 'Authorization: Token <key>'."
TOKEN_INVALID = "Invalid or inactive API token. Check the key or ask for a new one."
RATE_INVALID = "Use a rate like 100/second, 600/minute, 10000/hour or 100000/day."
RATE_LIMITED = (
    "This client's rate ({rate}) counts numbers, and too few are left in this "
    "window for the {cost} asked. Retry in {wait} seconds, or ask for fewer."
)
RATE_COST_TOO_HIGH = (
    "This request asks for {cost} numbers, more than this client's whole "
    "rate ({rate}, counted in numbers) allows. Ask for fewer at a time, or "
    "ask an administrator for a higher rate."
)
DATABASE_UNAVAILABLE = (
    "The database is unavailable; retry with the same Idempotency-Key."
)
BODY_NOT_OBJECT = "Send a JSON object as the request body, or no body at all."
IDEMPOTENCY_KEY_TOO_LONG = "Keep the Idempotency-Key header under 256 characters."
IDEMPOTENCY_KEY_EMPTY = (
    "The Idempotency-Key header is empty: send a unique key (a UUID, say) or "
    "leave the header out."
)
UNKNOWN_FIELD = "Unknown field. Fields you may send: {allowed}."
NOT_FOUND = "No such endpoint: {path}. The API is described at /api/docs/."
NOT_FOUND_SLASH = "No such endpoint: {path}. Did you mean {path}/ (with a final slash)?"
SITE_INDEX = (
    "Tracking Number Generator. Staff work in the portal; machines call the "
    "API, described at /api/docs/."
)
UNKNOWN_PARAMETER = "Unknown query parameter. Parameters you may send: {allowed}."
PARAMETER_REPEATED = "Give {name} once: it takes a single value."
CURSOR_INVALID = (
    "Invalid cursor: pass the cursor exactly as the next or previous link "
    "of a page gives it."
)
BODY_NOT_JSON = (
    "The body was sent as {sent}; send Content-Type: application/json with a "
    "JSON object (curl: -H 'Content-Type: application/json')."
)
JSON_INVALID = (
    "The request body is not valid JSON ({error} at line {line}, column "
    '{column}); send a JSON object such as {{"count": 10}}.'
)
JSON_UNREADABLE = (
    "The request body is not valid JSON ({error}); send a JSON object such as "
    '{{"count": 10}}.'
)
NOT_A_STRING = "Must be a string."
NOT_AN_INTEGER = "Must be a whole number, not text or a fraction."
QUERY_NOT_AN_INTEGER = "Must be a whole number written in digits 0-9, with no spaces."
NOT_A_BOOLEAN = "Must be true or false."
NOT_UNICODE = "Contains characters that are not valid Unicode (lone surrogates)."
NULL_CHARACTER = "Null characters (\\u0000) are not allowed."
PAGE_SIZE_INVALID = "Use a page_size from 1 to {maximum}."

# THE PORTAL
# ------------------------------------------------------------------------------

API_CLIENT_IN_USE = (
    "API client {name!r} has issued numbers, so it cannot be deleted: "
    "deactivate it instead (untick Active and save); its token then stops "
    "working."
)

ISSUED = "Issued {count} from series {series}."
BATCH_QUEUED = (
    "Batch {id} of {quantity} numbers from series {series} is queued; its "
    "progress shows below."
)
VOIDED = "Voided {count}."
VOID_SKIPPED = "Skipped {count}: {numbers}."
VOID_SKIPPED_ALREADY_VOID = "already void ({reason})"
NOTHING_TO_VOID = "Nothing to void: every number chosen is void already."
MARKED_USED = "Marked {count} as used."
SELECTION_TOO_LARGE = (
    "Select at most {max} numbers for this action; narrow the list with the "
    "search box or the filters."
)
ACTION_REFUSED = "Nothing was changed: {error}"
RANGE_RESERVED = (
    "Reserved the remaining {count} serials of series {series} for imports; "
    "the series no longer issues numbers itself."
)
BATCH_FILTER_INVALID = "Give the batch's number, e.g. 12."
BEFORE_INVALID = "Page on from a number's id."

# OPERATIONS (MANAGEMENT COMMANDS)
# ------------------------------------------------------------------------------

DEMO_CLIENT_NOTE = (
    "The demo API client {name!r} is the local administrator: it may use and "
    "create every series and run batches (the README's walkthrough). Its token:"
)
BEAT_NEVER_RAN = "Beat has not run: no heartbeat file at {path}."
BEAT_STALE = "Beat's last tick was {age:.0f} s ago (more than {max_age} s)."


# LABELS
# ------------------------------------------------------------------------------

BATCH_HAS_NO_LABELS = (
    "Batch {id} has no numbers to print yet; print its labels once it has run."
)
NUMBER_VOID_NOT_PRINTED = (
    "Tracking number {number!r} is void; void numbers get no label."
)
ZIP_EMPTY = "zip is empty: leave it out, or give a 5- or 9-digit ZIP code."
ZIP_NOT_FOR_SERIES = (
    "Series {series!r} issues {scheme} numbers, and only USPS IMpb barcodes "
    "carry a ZIP code: leave zip out for its numbers."
)

# OPERATIONS
# ------------------------------------------------------------------------------

METRICS_FORBIDDEN = (
    "Metrics are served to TRACKING_METRICS_ALLOWED_NETWORKS (loopback by "
    "default) and to API clients that administer series."
)
