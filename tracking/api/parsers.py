"""The API's one body format, with errors that read as one sentence."""

from __future__ import annotations

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from tracking.messages import JSON_INVALID, JSON_UNREADABLE


class JsonParser(JSONParser):
    """DRF's JSON parser, saying where the body stops being JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as e:
            cause = e.__context__  # what json.load raised
            if isinstance(cause, json.JSONDecodeError):
                error = cause.msg[0].lower() + cause.msg[1:]
                message = JSON_INVALID.format(
                    error=error, line=cause.lineno, column=cause.colno
                )
            else:  # not UTF-8, or NaN / Infinity
                message = JSON_UNREADABLE.format(error=str(cause).rstrip("."))
            raise ParseError(message) from cause
