"""The catalogue as the client sees it: datasets, their parameters and their columns."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class Parameter:
    """A dataset parameter: ``type`` is one of string, integer, decimal, boolean, timestamp, date.

    ``from_token`` names the token claim it is bound to (such a parameter may not be given).
    """

    name: str
    type: str
    required: bool
    description: str = ""
    default: Optional[str] = None
    min: Optional[str] = None
    max: Optional[str] = None
    allowed: List[str] = field(default_factory=list)
    from_token: Optional[str] = None


@dataclass(frozen=True)
class Column:
    """An output column: ``kind`` is the family of its values (see :mod:`sluice_client.types`)."""

    name: str
    kind: str
    array: bool = False
    type: Optional[str] = None


@dataclass(frozen=True)
class Dataset:
    """A dataset the caller may read, as ``GET /v1/datasets`` describes it (``raw`` holds that JSON)."""

    name: str
    description: str
    order_by: List[str]
    parameters: List[Parameter]
    columns: List[Column]
    offers_after: bool
    rows_path: str
    raw: Dict[str, Any]

    @staticmethod
    def from_json(json: Dict[str, Any]) -> "Dataset":
        """The dataset of one catalogue entry."""
        return Dataset(
            name=json["name"],
            description=json.get("description") or "",
            order_by=list(json.get("orderBy", [])),
            parameters=[Parameter(p["name"], p["type"], bool(p.get("required")), p.get("description") or "", p.get("default"),
                                  p.get("min"), p.get("max"), list(p.get("allowed", [])), p.get("fromToken"))
                        for p in json.get("parameters", [])],
            columns=[Column(c["name"], c.get("kind", "other"), bool(c.get("array")), c.get("type")) for c in json.get("columns", [])],
            offers_after=bool(json.get("resume", {}).get("after")),
            rows_path=json.get("rows") or f"/v1/datasets/{json['name']}/rows",
            raw=json,
        )
