"""Partitioned exports: N streams over one snapshot of a dataset, read in parallel (``POST /v1/datasets/<name>/exports``)."""

import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from . import errors
from ._http import TRANSPORT_ERRORS, RetryPolicy, Transport, query_value
from .catalogue import Column, Dataset
from .rows import RowStream

#: Request parameters that mean nothing across the partitions of an export (each partition is a range of its own).
NOT_FOR_EXPORTS = ("limit", "resume", "after", "format")


@dataclass(frozen=True)
class Partition:
    """One partition of an export: ``index`` (0-based, in manifest order), its rows ``url``, the planner's ``estimated_rows``."""

    export: "Export"
    index: int
    url: str
    estimated_rows: Optional[int]

    def rows(self, **params: Any) -> RowStream:
        """The partition's rows as typed dicts (NDJSON), resumed after a cut with the partition's own resume token.

        ``params`` are request parameters only (``columns``, ``max_rate``, ``limit``, ``resume``,
        ``after``, ...), on top of those given to :meth:`Client.export`; the dataset's parameters
        are the export's.
        """
        return RowStream(self.export._transport, self.export.dataset, dict(self.export._params, **params), self.export._retry,
                         path=self.url)

    def to_arrow(self, **params: Any) -> Any:
        """The partition's rows as a ``pyarrow.Table`` (a cut goes on ``after=`` the last key, inside the snapshot)."""
        from .arrow import read_table
        return read_table(self.export._transport, self.export.dataset, dict(self.export._params, **params), self.export._retry,
                          path=self.url)


class Export:
    """A partitioned export of one dataset, as its manifest describes it; close it (or use ``with``) to release its snapshot.

    Attributes: ``id``, ``dataset`` (the :class:`~sluice_client.Dataset`), ``columns``,
    ``partitions`` (:class:`Partition` objects, in manifest order), ``ordered`` (``True`` when
    the partitions are contiguous ranges of the dataset's first key column in manifest order, so
    their concatenation is in the dataset's order), ``estimated_rows``, ``expires_at``,
    ``note`` (why there are fewer partitions than asked, if there are) and ``manifest`` (the JSON).

    Every partition reads the same snapshot: their union is exactly the dataset's rows at the
    moment the export was made, each row once.
    """

    def __init__(self, transport: Transport, dataset: Dataset, manifest: Dict[str, Any], retry: RetryPolicy,
                 params: Optional[Mapping[str, Any]] = None):
        self._transport = transport
        self._retry = retry
        self._params = dict(params or {})
        self.dataset = dataset
        self.manifest = manifest
        self.id: str = manifest["id"]
        self.columns = [Column(c["name"], c.get("kind", "other"), bool(c.get("array")), c.get("type")) for c in manifest.get("columns", [])]
        self.ordered = bool(manifest.get("ordered"))
        self.estimated_rows: Optional[int] = manifest.get("estimatedRows")
        self.expires_at: Optional[str] = manifest.get("expiresAt")
        self.note: Optional[str] = manifest.get("note")
        self.partitions: List[Partition] = [Partition(self, p["index"], p["url"], p.get("estimatedRows")) for p in manifest["partitions"]]
        self.closed = False

    @property
    def path(self) -> str:
        """The export's own path, ``/v1/exports/<id>``."""
        return "/v1/exports/" + urllib.parse.quote(self.id, safe="")

    def describe(self) -> Dict[str, Any]:
        """The manifest as Sluice holds it now (``GET /v1/exports/<id>``); raises :class:`~sluice_client.Gone` once it has ended."""
        return self._transport.send_json("GET", self.path, None, self._retry)

    def to_arrow(self, workers: Optional[int] = None) -> Any:
        """Every partition's Arrow stream, read in parallel (``workers`` threads, one per partition by default), as one table.

        The partitions' tables are concatenated in manifest order (so in the dataset's order when
        ``ordered``). A cut partition goes on after its last key inside the snapshot, as
        :meth:`Partition.to_arrow` does. When one partition fails for good the others are
        stopped and its error is raised. The export is not closed: see :meth:`close`.
        """
        from .arrow import _pyarrow, read_table
        pa = _pyarrow()
        stop = threading.Event()

        def read(partition: Partition) -> Any:
            try:
                return read_table(self._transport, self.dataset, self._params, self._retry, path=partition.url, stop=stop)
            except BaseException:
                stop.set()
                raise

        with ThreadPoolExecutor(max_workers=max(1, workers or len(self.partitions)), thread_name_prefix="sluice-export") as pool:
            futures = [pool.submit(read, p) for p in self.partitions]
        failed = [f.exception() for f in futures if f.exception() is not None]
        if failed:
            # the first real failure, not a partition stopped because of it
            raise next((e for e in failed if not (isinstance(e, errors.StreamCut) and e.code == "stopped")), failed[0])
        tables = [f.result() for f in futures]
        return pa.concat_tables(tables) if tables else None

    def close(self) -> None:
        """Ends the export (``DELETE /v1/exports/<id>``): its snapshot is released at once. An export already gone is fine."""
        if self.closed:
            return
        try:
            self._transport.send_json("DELETE", self.path, None, self._retry)
        except (errors.NotFound, errors.Gone):
            pass
        self.closed = True

    def __enter__(self) -> "Export":
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.close()
        else:
            try:
                self.close()
            except (errors.SluiceError,) + TRANSPORT_ERRORS:
                pass  # the export expires by itself; the first error is the one to see


def create(transport: Transport, dataset: Dataset, partitions: Optional[int], params: Mapping[str, Any], retry: RetryPolicy) -> Export:
    """Creates an export of ``dataset``: its own parameters in ``params`` go into the request body, the rest to each partition read."""
    given = {k: v for k, v in params.items() if v is not None}
    refused = [k for k in NOT_FOR_EXPORTS if k in given]
    if refused:
        raise ValueError(f"{refused[0]!r} cannot be given to a partitioned read (each partition is a stream of its own);"
                         " read a partition with export().partitions[i].rows(...) instead")
    own = {p.name for p in dataset.parameters}
    body: Dict[str, Any] = {"params": {k: query_value(v) for k, v in given.items() if k in own}}
    if partitions is not None:
        body["partitions"] = partitions
    manifest = transport.send_json("POST", f"/v1/datasets/{urllib.parse.quote(dataset.name, safe='')}/exports", body, retry)
    return Export(transport, dataset, manifest, retry, {k: v for k, v in given.items() if k not in own})
