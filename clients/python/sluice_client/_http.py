"""The one place the client speaks HTTP: the standard library's http.client, a bearer token, JSON errors."""

import datetime
import http.client
import json
import random
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Mapping, Optional

from . import errors

#: What a broken transport raises while a body is read (a cut connection, a reset, a timeout).
TRANSPORT_ERRORS = (http.client.HTTPException, OSError)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a refused or cut request is tried again.

    ``attempts``: tries in a row that may fail without a new row arriving (the first included).
    Between them the client waits ``Retry-After`` when Sluice sends one, otherwise an exponential
    backoff from ``backoff`` seconds, doubling up to ``max_backoff``, with jitter.
    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, failures: int, retry_after: Optional[int]) -> float:
        """Seconds to wait before the next try, after ``failures`` (>= 1) failed ones in a row."""
        if retry_after is not None:
            return float(retry_after) + random.uniform(0, 0.1)
        return min(self.max_backoff, self.backoff * (2 ** (failures - 1))) * random.uniform(0.5, 1.0)

    def wait(self, failures: int, retry_after: Optional[int]) -> None:
        """Sleeps for :meth:`delay`."""
        time.sleep(self.delay(failures, retry_after))


def query_value(value: Any) -> str:
    """A parameter value as the query string carries it: booleans in lower case, lists comma-separated, ISO dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(query_value(v) for v in value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class Transport:
    """Requests to one Sluice, each on a connection of its own, with the token in ``Authorization``."""

    def __init__(self, base_url: str, token: Optional[str], timeout: float, ssl_context: Optional[ssl.SSLContext] = None):
        parsed = urllib.parse.urlsplit(base_url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port][/prefix], not {base_url!r}")
        self.scheme = parsed.scheme
        self.host = parsed.hostname
        self.port = parsed.port
        self.prefix = parsed.path
        self.token = token
        self.timeout = timeout
        self.ssl_context = ssl_context

    def url(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        """The full URL of ``path`` with ``params``, as a user would type it."""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{self.host}{port}{self.target(path, params)}"

    def target(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        """The request target: the prefix, the path and the encoded query."""
        query = urllib.parse.urlencode({k: query_value(v) for k, v in (params or {}).items() if v is not None})
        return self.prefix + path + ("?" + query if query else "")

    def open(self, path: str, params: Optional[Mapping[str, Any]] = None, accept: Optional[str] = None) -> http.client.HTTPResponse:
        """Sends ``GET`` and returns the response once its status is 200; raises the typed error of any other."""
        return self.request("GET", path, params, accept)

    def request(self, method: str, path: str, params: Optional[Mapping[str, Any]] = None, accept: Optional[str] = None,
                body: Optional[Any] = None) -> http.client.HTTPResponse:
        """Sends ``method`` (with ``body`` as JSON, if any) and returns the response once its status is 2xx.

        Any other status raises the typed error of Sluice's JSON error body (:func:`errors.from_body`).
        """
        if self.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                                                 context=self.ssl_context)
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"User-Agent": "sluice-client-python/0.1", "Accept-Encoding": "identity"}
        if accept:
            headers["Accept"] = accept
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, self.target(path, params), body=payload, headers=headers)
            response = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        if 200 <= response.status < 300:
            return response
        try:
            raw = response.read()
        finally:
            connection.close()
        try:
            error_body: Dict[str, Any] = json.loads(raw.decode("utf-8"))
        except ValueError:
            error_body = {"error": {"code": f"http-{response.status}", "message": raw.decode("utf-8", "replace")[:500]}}
        raise errors.from_body(response.status, error_body, response.getheader("Retry-After"))

    def send_json(self, method: str, path: str, body: Optional[Any], retry: RetryPolicy) -> Any:
        """``method`` with a JSON ``body``; the JSON answer (``None`` when there is none, as for 204), retried as ``get_json``."""
        failures = 0
        while True:
            try:
                response = self.request(method, path, accept="application/json", body=body)
                try:
                    raw = response.read()
                    return json.loads(raw.decode("utf-8")) if raw else None
                finally:
                    response.close()
            except errors.SluiceError as refused:
                failures += 1
                if refused.retry_after is None or failures >= retry.attempts:
                    raise
                retry.wait(failures, refused.retry_after)

    def get_json(self, path: str, retry: RetryPolicy) -> Any:
        """A JSON document, retried as ``retry`` says when Sluice says a retry may succeed."""
        failures = 0
        while True:
            try:
                response = self.open(path, accept="application/json")
                try:
                    return json.loads(response.read().decode("utf-8"))
                finally:
                    response.close()
            except errors.SluiceError as refused:
                failures += 1
                if refused.retry_after is None or failures >= retry.attempts:
                    raise
                retry.wait(failures, refused.retry_after)
