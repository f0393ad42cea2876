"""Following a dataset (``follow=true``): its snapshot, then its committed changes, resumed by itself after a cut."""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Mapping, Optional

from . import errors
from ._http import TRANSPORT_ERRORS, RetryPolicy, Transport
from .catalogue import Dataset
from .types import row_converter

#: The operations of a :class:`Change`: the snapshot's rows, then the changes committed after it.
OPS = ("snapshot", "insert", "update", "delete")
#: The most snapshot rows held back waiting for their batch's checkpoint (Sluice's batches hold at most 1,000).
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Change:
    """One record of a followed dataset.

    ``op`` is ``"snapshot"`` for the rows read in the follow's snapshot (first, in the dataset's
    order), then ``"insert"``, ``"update"`` or ``"delete"`` for each change committed after it, in
    commit order (``"live"``, with ``row`` ``None``, only with ``follow(..., live=True)``: the
    stream is past its snapshot, and again when quiet). ``row`` is the row with the same exact
    Python types as :meth:`Client.rows` gives (for ``delete`` the row as it was). ``lsn`` is the
    commit's position in PostgreSQL's WAL and ``resume`` the token that goes on right after this
    record (pass it as ``follow(..., resume=token)`` later); both are ``None`` for snapshot rows,
    which cannot be continued exactly.
    """

    op: str
    row: Optional[Dict[str, Any]]
    lsn: Optional[str] = None
    resume: Optional[str] = None


class FollowStream(Iterator[Change]):
    """The :class:`Change` records of one followed dataset; it does not end unless closed.

    A stream cut (an in-band ``partial`` record, a broken connection, the body ending at
    ``stream.maxDurationMs``) is resumed by itself with the last record's token, so each change
    arrives once. Inside the snapshot too: its rows are given out a batch at a time, when Sluice's
    checkpoint after the batch arrives (``{"_sluice":{"status":"snapshot","resume":...}}``), and a
    cut goes on from the last checkpoint (what Sluice sends then first brings the rows already
    given out up to the new snapshot). A refusal that says ``Retry-After`` is tried again after that long. At most
    ``retry.attempts`` tries in a row may fail without a new record; then
    :class:`~sluice_client.errors.StreamCut` says what happened (its ``resume`` goes on later).
    When Sluice can no longer continue exactly (the position is not held any more, the table was
    truncated, or the cut came inside the snapshot of a Sluice that sends no checkpoints), it raises
    :class:`~sluice_client.errors.MustRefetch`: start again without a token, from a new snapshot.

    While iterating: ``live`` is ``True`` once the snapshot has been read, ``resume`` the token of
    the last record or checkpoint delivered, ``changes`` and ``snapshot_rows`` the
    records delivered, ``resumes`` how many times the stream was resumed, ``request_ids`` the
    ``X-Request-Id`` of each request made.
    """

    def __init__(self, transport: Transport, dataset: Dataset, params: Mapping[str, Any], retry: RetryPolicy,
                 live: bool = False):
        self.dataset = dataset
        self.live = False
        self.resume: Optional[str] = None
        self.changes = 0
        self.snapshot_rows = 0
        self.resumes = 0
        self.request_ids: List[str] = []
        self._transport = transport
        self._params = {k: v for k, v in params.items() if v is not None}
        self._retry = retry
        self._yield_live = live
        self._records = self._run()

    def __iter__(self) -> "FollowStream":
        return self

    def __next__(self) -> Change:
        return next(self._records)

    def close(self) -> None:
        """Stops following; the open response, if any, is closed."""
        self._records.close()

    def __enter__(self) -> "FollowStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _snapshot(self, pending: List[Dict[str, Any]], convert: Any) -> Iterator[Change]:
        """Gives out the snapshot rows held back until their batch's checkpoint."""
        rows = list(pending)
        pending.clear()
        for record in rows:
            self.snapshot_rows += 1
            yield Change("snapshot", convert(record))

    def _run(self) -> Iterator[Change]:
        convert = row_converter(self.dataset.raw.get("columns", []))
        params = dict(self._params)
        self.resume = params.pop("resume", None)
        if self.resume:
            self.live = True  # a change's or live record's token: past the snapshot (or a snapshot's checkpoint)
        failures = 0
        # the snapshot rows of the batch under way: given out when the batch's checkpoint comes, so a
        # cut inside the snapshot goes on from the last checkpoint with every row once
        pending: List[Dict[str, Any]] = []
        while True:
            query = dict(params, format="ndjson", follow="true")
            if self.resume:
                query["resume"] = self.resume
                query.pop("after", None)
            try:
                response = self._transport.open(self.dataset.rows_path, query)
            except errors.SluiceError as refused:
                failures += 1
                if refused.retry_after is None or failures >= self._retry.attempts:
                    raise
                self._retry.wait(failures, refused.retry_after)
                continue
            except TRANSPORT_ERRORS as broken:
                failures += 1
                if failures >= self._retry.attempts:
                    raise errors.StreamCut("transport", f"cannot reach Sluice: {broken}", self.changes, self.resume) from broken
                self._retry.wait(failures, None)
                continue
            request_id = response.getheader("X-Request-Id")
            self.request_ids.append(request_id)
            cut: Dict[str, Any] = {}
            try:
                for line in response:
                    if not line.endswith(b"\n"):
                        cut = {"error": {"code": "transport", "message": "the body ended in the middle of a line"}}
                        break
                    if not line.strip():
                        continue  # a heartbeat
                    record = json.loads(line, parse_float=Decimal)
                    meta = record.get("_sluice") if isinstance(record, dict) else None
                    if meta is None:
                        failures = 0
                        pending.append(record)
                        if len(pending) >= MAX_PENDING:  # no checkpoints (an old Sluice): rows as they come, no resume inside
                            self.resume = None
                            yield from self._snapshot(pending, convert)
                        continue
                    if pending and ("op" in meta or meta.get("status") in ("live", "partial")):
                        yield from self._snapshot(pending, convert)
                    if meta.get("status") == "snapshot":
                        yield from self._snapshot(pending, convert)
                        self.resume = meta.get("resume")
                        continue
                    if "op" in meta:
                        failures = 0
                        self.resume = meta.get("resume")
                        self.changes += 1
                        yield Change(meta["op"], convert(record["row"]), meta.get("lsn"), self.resume)
                        continue
                    status = meta.get("status")
                    if status == "live":
                        if not self.live or meta.get("resume") != self.resume:
                            failures = 0
                        self.live = True
                        self.resume = meta.get("resume")
                        if self._yield_live:
                            yield Change("live", None, meta.get("lsn"), self.resume)
                        continue
                    if status == "must-refetch":
                        raise errors.MustRefetch("must-refetch", "Sluice cannot continue this follow exactly (the position is no"
                                                 " longer held, or the table was truncated): start again without a token",
                                                 self.changes, request_id=request_id)
                    if "sampling" in meta:
                        continue
                    cut = meta
                    break
                else:
                    cut = {"error": {"code": "cut", "message": "the followed stream's body ended"}}
            except TRANSPORT_ERRORS as broken:
                cut = {"error": {"code": "transport", "message": f"the connection broke: {broken!r}"}}
            finally:
                response.close()
            pending.clear()  # not given out: they come again after the last checkpoint
            if cut.get("resume"):
                self.resume = cut["resume"]  # a partial record's token: right after the last record sent
            error = cut.get("error") or {}
            code, message = error.get("code", "cut"), error.get("message", "the stream was cut")
            if not self.live and self.snapshot_rows > 0 and not self.resume:
                raise errors.MustRefetch(code, message + " inside the snapshot, which cannot be continued exactly: start again",
                                         self.changes, request_id=error.get("requestId", request_id))
            failures += 1
            if failures >= self._retry.attempts:
                raise errors.StreamCut(code, f"{message} (gave up after {failures} tries without a new record)", self.changes,
                                       self.resume, error.get("requestId", request_id))
            self.resumes += 1
            self._retry.wait(failures, None)
