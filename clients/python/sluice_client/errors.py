"""Typed exceptions, one per kind of answer Sluice gives (its JSON error bodies' ``code``)."""

from typing import Any, Dict, Optional


class SluiceError(Exception):
    """An error Sluice reported, or a stream that could not be completed.

    Attributes mirror the JSON error body: ``code`` (stable, machine-readable), ``status``
    (the HTTP status; ``None`` for a cut stream), ``message``, ``parameter`` (the parameter at
    fault, if any), ``sql_state``, ``retry_after`` (seconds) and ``request_id`` (quote it to an
    operator: it names the server's log lines).
    """

    def __init__(self, code: str, message: str, status: Optional[int] = None, parameter: Optional[str] = None,
                 sql_state: Optional[str] = None, retry_after: Optional[int] = None, request_id: Optional[str] = None):
        super().__init__(f"{code}: {message}" + (f" (request {request_id})" if request_id else ""))
        self.code = code
        self.message = message
        self.status = status
        self.parameter = parameter
        self.sql_state = sql_state
        self.retry_after = retry_after
        self.request_id = request_id


class BadRequest(SluiceError):
    """400: a parameter is unknown, missing, repeated or invalid (``parameter`` names it)."""


class Unauthorized(SluiceError):
    """401: no token, or one that does not verify."""


class Forbidden(SluiceError):
    """403: the token's roles may not read this dataset (or lack a claim it is scoped by)."""


class NotFound(SluiceError):
    """404: no such dataset (or route)."""


class NotAcceptable(SluiceError):
    """406: none of the accepted formats is offered."""


class Conflict(SluiceError):
    """409: the request cannot be served in the server's present state."""


class FollowUnavailable(Conflict):
    """409 ``follow-unavailable``: the dataset cannot be followed here; ``message`` says why and what to set."""


class Gone(SluiceError):
    """410: the export has ended (deleted, expired, or its node stopped); its snapshot is released."""


class TooManyRequests(SluiceError):
    """429: too many streams at once, or the export quota is used up (``retry_after`` says when to retry)."""


class ServerError(SluiceError):
    """500: the query failed, or something unexpected happened on the server."""


class Unavailable(SluiceError):
    """503: busy, database unavailable, memory exhausted or shutting down; worth retrying after ``retry_after``."""


class GatewayTimeout(SluiceError):
    """504: a statement timed out, the stream's deadline passed, or a stage stopped answering."""


class StreamCut(SluiceError):
    """A stream ended before it was complete and could not be resumed (no token, or no attempt left).

    ``rows`` counts the rows delivered before the cut; ``resume`` is the last resume token seen
    (pass it as ``resume=`` to go on later), or ``None``.
    """

    def __init__(self, code: str, message: str, rows: int = 0, resume: Optional[str] = None, request_id: Optional[str] = None):
        super().__init__(code, message, None, request_id=request_id)
        self.rows = rows
        self.resume = resume


class MustRefetch(SluiceError):
    """A followed stream cannot be continued exactly: start again without a token, from a new snapshot.

    Sluice says so (``{"_sluice":{"status":"must-refetch"}}``: the position is no longer held, or
    the table was truncated), or the stream was cut inside its snapshot after rows were delivered.
    ``changes`` counts the changes delivered before it. Never a silent gap.
    """

    def __init__(self, code: str, message: str, changes: int = 0, request_id: Optional[str] = None):
        super().__init__(code, message, None, request_id=request_id)
        self.changes = changes


_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 406: NotAcceptable, 409: Conflict, 410: Gone,
              414: BadRequest, 431: BadRequest, 429: TooManyRequests, 500: ServerError, 503: Unavailable, 504: GatewayTimeout}


def from_body(status: int, body: Dict[str, Any], retry_after_header: Optional[str] = None) -> SluiceError:
    """The typed exception of an HTTP error response: its status and its JSON body ``{"error": {...}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"code": "http-" + str(status), "message": str(body)[:500]}
    retry_after = error.get("retryAfter")
    if retry_after is None and retry_after_header and retry_after_header.strip().isdigit():
        retry_after = int(retry_after_header.strip())
    cls = _BY_STATUS.get(status, SluiceError)
    if status == 409 and error.get("code") == "follow-unavailable":
        cls = FollowUnavailable
    return cls(error.get("code", "unknown"), error.get("message", ""), status, error.get("parameter"), error.get("sqlState"),
               retry_after, error.get("requestId"))
