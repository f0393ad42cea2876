"""Tables through Sluice's Arrow format: pyarrow, pandas, polars (the ``arrow``, ``pandas``, ``polars`` extras)."""

import threading
from typing import Any, Dict, List, Mapping, Optional

from . import errors
from ._http import TRANSPORT_ERRORS, RetryPolicy, Transport, query_value
from .catalogue import Dataset

ARROW_MEDIA_TYPE = "application/vnd.apache.arrow.stream"


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.ipc  # noqa: F401
    except ImportError as missing:  # pragma: no cover - depends on the environment
        raise ImportError("to_arrow needs pyarrow: pip install 'sluice-client[arrow]'") from missing
    return pyarrow


def read_table(transport: Transport, dataset: Dataset, params: Mapping[str, Any], retry: RetryPolicy, path: Optional[str] = None,
               stop: Optional[threading.Event] = None) -> Any:
    """Reads one stream of ``dataset`` in the Arrow format into a ``pyarrow.Table``.

    ``path`` is the rows path to read (an export partition's ``url``; by default the dataset's
    rows); ``stop``, when set by another thread, makes the read give up with
    :class:`~sluice_client.errors.StreamCut` at the next batch.

    The record batches are kept as they arrive. A cut stream (Arrow's cut is a truncated message,
    which pyarrow refuses) goes on ``after=`` the last row's key when the dataset offers it and the
    key's columns are selected, else it starts again (nothing was returned yet); refusals with
    ``Retry-After`` are retried after that long; at most ``retry.attempts`` tries in a row may fail
    without a new batch, then :class:`~sluice_client.errors.StreamCut` is raised.
    """
    pa = _pyarrow()
    params = {k: v for k, v in params.items() if v is not None}
    params.pop("format", None)
    limit = int(params.pop("limit")) if "limit" in params else None
    selected = params.get("columns")
    if isinstance(selected, str):
        selected = [c.strip() for c in selected.split(",")]
    key = dataset.order_by if dataset.offers_after and (not selected or all(k in selected for k in dataset.order_by)) else []
    batches: List[Any] = []
    schema = None
    rows = 0
    after: Optional[str] = params.pop("after", None)
    failures = 0
    path = path or dataset.rows_path
    while True:
        _check(stop, rows)
        query: Dict[str, Any] = dict(params, format="arrow")
        if limit is not None:
            query["limit"] = limit - rows
        if after is not None:
            query["after"] = after
        try:
            response = transport.open(path, query, accept=ARROW_MEDIA_TYPE)
        except errors.SluiceError as refused:
            failures += 1
            if refused.retry_after is None or failures >= retry.attempts:
                raise
            retry.wait(failures, refused.retry_after)
            continue
        except TRANSPORT_ERRORS as broken:
            failures += 1
            if failures >= retry.attempts:
                raise errors.StreamCut("transport", f"cannot reach Sluice: {broken}", rows) from broken
            retry.wait(failures, None)
            continue
        request_id = response.getheader("X-Request-Id")
        try:
            reader = pa.ipc.open_stream(response)
            schema = schema or reader.schema
            for batch in reader:
                _check(stop, rows)
                if batch.num_rows == 0:
                    continue
                batches.append(batch)
                rows += batch.num_rows
                failures = 0
                if key:
                    after = ",".join(query_value(batch.column(batch.schema.get_field_index(k))[batch.num_rows - 1].as_py()) for k in key)
            return pa.Table.from_batches(batches, schema=schema)
        except (pa.ArrowException, ValueError) + TRANSPORT_ERRORS as cut:
            message = f"the Arrow stream was cut after {rows} rows: {cut}"
        finally:
            response.close()
        failures += 1
        if failures >= retry.attempts:
            raise errors.StreamCut("cut", f"{message} (gave up after {failures} tries without a new batch)", rows, None, request_id)
        if not key:
            batches, rows, after = [], 0, params.get("after")
        retry.wait(failures, None)


def _check(stop: Optional[threading.Event], rows: int) -> None:
    if stop is not None and stop.is_set():
        raise errors.StreamCut("stopped", "another partition of the export failed", rows)
