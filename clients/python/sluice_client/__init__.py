"""sluice-client: read Sluice's datasets from Python.

>>> from sluice_client import Client
>>> client = Client("http://localhost:8080", token="<JWT>")
>>> for row in client.rows("transactions", status="settled", limit=10):
...     print(row["id"], row["amount"])          # amount is a Decimal
>>> df = client.to_pandas("transactions", currency="EUR")
"""

from ._http import RetryPolicy
from .catalogue import Column, Dataset, Parameter
from .client import Client
from .errors import (BadRequest, Forbidden, GatewayTimeout, NotAcceptable, NotFound, ServerError, SluiceError, StreamCut,
                     TooManyRequests, Unauthorized, Unavailable)
from .rows import RowStream

__all__ = ["Client", "RetryPolicy", "RowStream", "Dataset", "Parameter", "Column", "SluiceError", "BadRequest", "Unauthorized",
           "Forbidden", "NotFound", "NotAcceptable", "TooManyRequests", "ServerError", "Unavailable", "GatewayTimeout", "StreamCut"]
__version__ = "0.1.0"
