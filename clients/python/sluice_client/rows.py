"""Rows as an iterator of typed dicts, resumed by itself after a cut."""

import json
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Mapping, Optional

from . import errors
from ._http import TRANSPORT_ERRORS, RetryPolicy, Transport, query_value
from .catalogue import Dataset
from .types import row_converter

#: The row formats :class:`RowStream` reads; every other format is for files or Arrow.
ROW_FORMATS = ("ndjson", "jsonl")


class RowStream(Iterator[Dict[str, Any]]):
    """The rows of one request, in the dataset's order, each once, converted to exact Python types.

    A stream that is cut (the in-band ``_sluice`` record says ``partial``, or the connection
    breaks) is resumed by itself: with the record's resume token, or else, when the dataset offers
    it, ``after=`` the last row's key; a refusal that says ``Retry-After`` is tried again after
    that long. At most ``retry.attempts`` tries in a row may fail without a new row; then
    :class:`~sluice_client.errors.StreamCut` says what happened. Refusals without
    ``Retry-After`` (a bad parameter, a missing role) raise their typed error at once.

    After the iteration: ``status`` is ``"complete"`` (or ``"sampled"`` with ``degrade="sample"``),
    ``rows`` the rows delivered, ``resumes`` how many times the stream was resumed, ``request_ids``
    the ``X-Request-Id`` of each request made, ``sampling`` the sampling records seen.

    ``path`` is what is read: the dataset's rows by default, or an export partition's ``url``
    (whose resume tokens go on inside the export's snapshot).
    """

    def __init__(self, transport: Transport, dataset: Dataset, params: Mapping[str, Any], retry: RetryPolicy,
                 path: Optional[str] = None):
        self.dataset = dataset
        self.path = path or dataset.rows_path
        self.status: Optional[str] = None
        self.rows = 0
        self.resumes = 0
        self.request_ids: List[str] = []
        self.sampling: List[Dict[str, Any]] = []
        self._transport = transport
        self._params = {k: v for k, v in params.items() if v is not None}
        self._retry = retry
        self._rows = self._run()

    def __iter__(self) -> "RowStream":
        return self

    def __next__(self) -> Dict[str, Any]:
        return next(self._rows)

    def close(self) -> None:
        """Stops reading; the open response, if any, is closed."""
        self._rows.close()

    def _run(self) -> Iterator[Dict[str, Any]]:
        convert = row_converter(self.dataset.raw.get("columns", []))
        params = dict(self._params)
        token = params.pop("resume", None)
        after = params.pop("after", None)
        limit = int(params.pop("limit")) if "limit" in params else None
        selected = params.get("columns")
        if isinstance(selected, str):
            selected = [c.strip() for c in selected.split(",")]
        # after= needs the key's values, so the key's columns must be among those sent
        keyed = self.dataset.offers_after and (not selected or all(k in selected for k in self.dataset.order_by))
        key_names = self.dataset.order_by if keyed else []
        failures = 0
        while True:
            query = dict(params, format="ndjson", meta="true")
            if limit is not None:
                query["limit"] = limit - self.rows
            if token:
                query["resume"] = token
            elif after is not None:
                query["after"] = after
            try:
                response = self._transport.open(self.path, query)
            except errors.SluiceError as refused:
                failures += 1
                if refused.retry_after is None or failures >= self._retry.attempts:
                    raise
                self._retry.wait(failures, refused.retry_after)
                continue
            except TRANSPORT_ERRORS as broken:
                failures += 1
                if failures >= self._retry.attempts:
                    raise errors.StreamCut("transport", f"cannot reach Sluice: {broken}", self.rows, token) from broken
                self._retry.wait(failures, None)
                continue
            request_id = response.getheader("X-Request-Id")
            self.request_ids.append(request_id)
            rows_before = self.rows
            cut: Dict[str, Any] = {}
            try:
                for line in response:
                    if not line.endswith(b"\n"):
                        cut = {"error": {"code": "transport", "message": "the body ended in the middle of a line"}}
                        break
                    if not line.strip():
                        continue  # a heartbeat
                    row = json.loads(line, parse_float=Decimal)
                    record = row.get("_sluice") if len(row) == 1 else None
                    if record is not None:
                        if "sampling" in record:
                            self.sampling.append(record["sampling"])
                            continue
                        if record.get("status") in ("complete", "sampled"):
                            self.status = record["status"]
                            return
                        cut = record
                        break
                    failures = 0
                    token = None
                    if key_names:
                        after = ",".join(query_value(row[k]) for k in key_names)
                    self.rows += 1
                    yield convert(row)
                else:
                    cut = {"error": {"code": "transport", "message": "the body ended without its summary record"}}
            except TRANSPORT_ERRORS as broken:
                cut = {"error": {"code": "transport", "message": f"the connection broke: {broken!r}"}}
            finally:
                response.close()
            error = cut.get("error") or {}
            code, message = error.get("code", "cut"), error.get("message", "the stream was cut")
            if cut.get("resume"):
                token = cut["resume"]
            elif self.rows > rows_before and not key_names:
                # rows arrived since the position this request started at, and nothing says where they ended
                raise errors.StreamCut(code, message + " (no resume token, and the dataset offers no after=)", self.rows, None,
                                       error.get("requestId", request_id))
            failures += 1
            if failures >= self._retry.attempts:
                raise errors.StreamCut(code, f"{message} (gave up after {failures} tries without a new row)", self.rows, token,
                                       error.get("requestId", request_id))
            self.resumes += 1
            self._retry.wait(failures, None)
