"""Exact Python values from the NDJSON rows, by the catalogue's column kinds.

``numeric`` becomes :class:`decimal.Decimal` (``NaN`` and ``±Infinity`` included), ``real`` and
``double`` :class:`float`, ``timestamptz`` a timezone-aware :class:`datetime.datetime` (UTC),
``timestamp`` a naive one, ``date`` a :class:`datetime.date`, ``bytea`` :class:`bytes`, ``uuid``
:class:`uuid.UUID`, ``json``/``jsonb`` the parsed JSON (numbers with a fraction or exponent as
``Decimal``, so nothing is rounded), arrays lists of those. PostgreSQL's ``infinity`` and
``-infinity`` dates and timestamps become the ``max`` and ``min`` of their Python type. Every
other kind stays the text Sluice sends.
"""

import base64
import datetime
import re
import uuid
from decimal import Decimal
from typing import Any, Callable, Dict, List

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:?\d\d(?::?\d\d)?)?$")
_SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def _timestamp(text: str, aware: bool) -> datetime.datetime:
    if text in ("infinity", "-infinity"):
        extreme = datetime.datetime.max if text == "infinity" else datetime.datetime.min
        return extreme.replace(tzinfo=datetime.timezone.utc) if aware else extreme
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    tz = None
    if offset == "Z":
        tz = datetime.timezone.utc
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = datetime.timedelta(hours=int(digits[0:2]), minutes=int(digits[2:4]), seconds=int(digits[4:6] or 0))
        tz = datetime.timezone(sign * delta)
    value = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, tz)
    if aware and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def _date(text: str) -> datetime.date:
    if text == "infinity":
        return datetime.date.max
    if text == "-infinity":
        return datetime.date.min
    return datetime.date.fromisoformat(text)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _float(value: Any) -> float:
    return _SPECIAL_FLOATS[value] if isinstance(value, str) else float(value)


_SCALARS: Dict[str, Callable[[Any], Any]] = {
    "boolean": bool,
    "smallint": int,
    "integer": int,
    "bigint": int,
    "real": _float,
    "double": _float,
    "numeric": _decimal,
    "text": str,
    "json": lambda v: v,
    "bytes": lambda v: base64.b64decode(v),
    "date": _date,
    "timestamp": lambda v: _timestamp(v, False),
    "timestamptz": lambda v: _timestamp(v, True),
    "uuid": uuid.UUID,
    "other": lambda v: v,
}


def converter(kind: str, array: bool) -> Callable[[Any], Any]:
    """The function turning one NDJSON value of a column of ``kind`` (an array of them if ``array``) into Python's."""
    scalar = _SCALARS.get(kind, lambda v: v)

    def one(value: Any) -> Any:
        return None if value is None else scalar(value)

    if kind == "json" or not array:
        return one

    def many(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value  # an array of a type the driver does not know arrives as PostgreSQL's literal
        return [one(v) for v in value]

    return many


def row_converter(columns: List[Dict[str, Any]]) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """Converts a whole row object, column by column, from the catalogue's ``columns`` list."""
    by_name = {c["name"]: converter(c.get("kind", "other"), bool(c.get("array"))) for c in columns}

    def convert(row: Dict[str, Any]) -> Dict[str, Any]:
        return {name: by_name.get(name, lambda v: v)(value) for name, value in row.items()}

    return convert
