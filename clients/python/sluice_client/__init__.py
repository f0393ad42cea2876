"""sluice-client: read Sluice's datasets from Python.

>>> from sluice_client import Client
>>> client = Client("http://localhost:8080", token="<JWT>")
>>> for row in client.rows("transactions", status="settled", limit=10):
...     print(row["id"], row["amount"])          # amount is a Decimal
>>> df = client.to_pandas("transactions", currency="EUR")
>>> table = client.to_arrow("transactions", partitions=4)   # 4 streams over one snapshot, in parallel
>>> for change in client.follow("transactions", status="pending"):   # the snapshot, then each committed change
...     print(change.op, change.row["id"])
"""

from ._http import RetryPolicy
from .catalogue import Column, Dataset, Parameter
from .client import Client
from .errors import (BadRequest, Conflict, FollowUnavailable, Forbidden, GatewayTimeout, Gone, MustRefetch, NotAcceptable, NotFound,
                     ServerError, SluiceError, StreamCut, TooManyRequests, Unauthorized, Unavailable)
from .export import Export, Partition
from .follow import Change, FollowStream
from .rows import RowStream

__all__ = ["Client", "RetryPolicy", "RowStream", "Export", "Partition", "Dataset", "Parameter", "Column", "SluiceError", "BadRequest",
           "Unauthorized", "Forbidden", "NotFound", "Gone", "NotAcceptable", "TooManyRequests", "ServerError", "Unavailable",
           "GatewayTimeout", "StreamCut", "Conflict", "FollowUnavailable", "MustRefetch", "Change", "FollowStream"]
__version__ = "0.1.0"
