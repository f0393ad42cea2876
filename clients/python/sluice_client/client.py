"""The entry point: :class:`Client`."""

import ssl
from typing import Any, Dict, List, Optional

from ._http import RetryPolicy, Transport
from .catalogue import Dataset
from .export import Export
from .export import create as create_export
from .follow import FollowStream
from .rows import ROW_FORMATS, RowStream


class Client:
    """A client of one Sluice at ``base_url`` (``http://host:8080``), with an optional bearer ``token`` (a JWT).

    ``timeout`` bounds each socket operation in seconds (a stream sends a heartbeat at least every
    ``http.heartbeatSeconds``, 15 by default, so a quiet stream outlives it); ``retry`` says how a
    refused or cut request is tried again (:class:`~sluice_client.RetryPolicy`).
    """

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 300.0, retry: Optional[RetryPolicy] = None,
                 ssl_context: Optional[ssl.SSLContext] = None):
        self.retry = retry or RetryPolicy()
        self._transport = Transport(base_url, token, timeout, ssl_context)
        self._datasets: Dict[str, Dataset] = {}

    def datasets(self) -> List[Dataset]:
        """The datasets the token may read (``GET /v1/datasets``), with their parameters and columns."""
        found = [Dataset.from_json(d) for d in self._transport.get_json("/v1/datasets", self.retry)["datasets"]]
        self._datasets.update({d.name: d for d in found})
        return found

    def dataset(self, name: str) -> Dataset:
        """One dataset (``GET /v1/datasets/<name>``), cached for this client's life."""
        if name not in self._datasets:
            self._datasets[name] = Dataset.from_json(self._transport.get_json(f"/v1/datasets/{name}", self.retry))
        return self._datasets[name]

    def openapi(self) -> Dict[str, Any]:
        """The OpenAPI 3.1 document of what the token may read (``GET /v1/openapi.json``)."""
        return self._transport.get_json("/v1/openapi.json", self.retry)

    def url(self, dataset: str, **params: Any) -> str:
        """The URL of a rows request, e.g. for a browser or curl (the token is not in it)."""
        return self._transport.url(self.dataset(dataset).rows_path, params)

    def rows(self, dataset: str, format: str = "ndjson", **params: Any) -> RowStream:
        """The rows of ``dataset`` with its ``params`` (its own parameters and ``limit``, ``columns``, ``resume``, ...).

        An iterator of dicts with exact Python types (see :mod:`sluice_client.types`) that resumes
        by itself after a cut; see :class:`~sluice_client.rows.RowStream`. Values may be Python
        values: ``True``, ``datetime``, ``Decimal``, a list for ``columns``.
        """
        if format.lower() not in ROW_FORMATS:
            raise ValueError(f"rows() reads {ROW_FORMATS}; use to_arrow() for tables, or url() for files in {format!r}")
        return RowStream(self._transport, self.dataset(dataset), params, self.retry)

    def follow(self, dataset: str, live: bool = False, **params: Any) -> FollowStream:
        """Follows ``dataset`` (``follow=true``): its snapshot's rows, then every change committed after it, without end.

        An iterator of :class:`~sluice_client.follow.Change`: first ``op="snapshot"`` for each row
        of the snapshot, then ``"insert"``, ``"update"`` and ``"delete"`` in commit order, each
        with its ``row`` (exact types, as :meth:`rows`), ``lsn`` and ``resume`` token. With
        ``live=True`` it also gives ``op="live"`` records (no row): past the snapshot, and again
        when quiet. ``params`` are the dataset's own parameters and ``columns``, ``max_rate``;
        ``resume=`` a change's token goes on right after it (no snapshot then). A cut is resumed
        by itself (:class:`~sluice_client.follow.FollowStream`); a position Sluice cannot continue
        raises :class:`~sluice_client.errors.MustRefetch`, a dataset that cannot be followed
        :class:`~sluice_client.errors.FollowUnavailable`. Close it (or use ``with``) to stop.
        """
        return FollowStream(self._transport, self.dataset(dataset), params, self.retry, live)

    def export(self, dataset: str, partitions: Optional[int] = None, **params: Any) -> Export:
        """Creates a partitioned export of ``dataset`` (``POST /v1/datasets/<name>/exports``): N streams over one snapshot.

        ``partitions`` is 1 to 64 (``None``: the server's default, 4 or fewer); ``params`` are the
        dataset's own parameters (sent in the request body) and request parameters every partition
        read takes (``columns``, ``max_rate``). ``limit``, ``resume``, ``after`` and ``format``
        belong to one stream: give them to ``export.partitions[i].rows(...)``. Returns the
        :class:`~sluice_client.Export` (use it in ``with`` to release the snapshot at the end);
        the manifest may have fewer partitions than asked (its ``note`` says why).
        """
        return create_export(self._transport, self.dataset(dataset), partitions, params, self.retry)

    def to_arrow(self, dataset: str, partitions: Optional[int] = None, **params: Any) -> Any:
        """The rows of ``dataset`` as a ``pyarrow.Table``, read through the Arrow format.

        Without ``partitions``, one stream. With ``partitions=N`` (1 to 64), an export of N
        partitions over one snapshot (:meth:`export`), its partitions read in parallel (one thread
        each), each resumed after a cut inside the snapshot, concatenated in manifest order (the
        dataset's order when the manifest says ``ordered``); the export is deleted at the end,
        also when the read fails.
        """
        from .arrow import read_table
        if partitions is None:
            return read_table(self._transport, self.dataset(dataset), params, self.retry)
        with self.export(dataset, partitions, **params) as export:
            return export.to_arrow()

    def to_pandas(self, dataset: str, partitions: Optional[int] = None, **params: Any) -> Any:
        """:meth:`to_arrow` as a pandas ``DataFrame`` (numeric columns as ``Decimal`` objects, timestamps tz-aware in UTC)."""
        try:
            import pandas  # noqa: F401
        except ImportError as missing:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas needs pandas: pip install 'sluice-client[pandas]'") from missing
        return self.to_arrow(dataset, partitions, **params).to_pandas()

    def to_polars(self, dataset: str, partitions: Optional[int] = None, **params: Any) -> Any:
        """:meth:`to_arrow` as a polars ``DataFrame``."""
        try:
            import polars
        except ImportError as missing:  # pragma: no cover - depends on the environment
            raise ImportError("to_polars needs polars: pip install 'sluice-client[polars]'") from missing
        return polars.from_arrow(self.to_arrow(dataset, partitions, **params))
