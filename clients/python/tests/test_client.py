"""sluice_client against a real Sluice and PostgreSQL."""

import datetime
import math
import os
import uuid
from decimal import Decimal

import pytest

import sluice_client
from sluice_client import BadRequest, Client, Forbidden, NotFound, RetryPolicy, StreamCut, TooManyRequests, Unauthorized

UTC = datetime.timezone.utc


def test_every_public_name_has_a_docstring():
    for name in sluice_client.__all__:
        assert getattr(sluice_client, name).__doc__, name
    for cls in (Client, sluice_client.RowStream, RetryPolicy, sluice_client.Export, sluice_client.Partition):
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and callable(value):
                assert value.__doc__, f"{cls.__name__}.{attr}"


def test_datasets_lists_what_the_token_may_read(client, analyst):
    names = {d.name for d in client.datasets()}
    assert {"transactions", "transactions_raw", "series", "types"} <= names
    analyst_names = {d.name for d in analyst.datasets()}
    assert "transactions" in analyst_names and "transactions_raw" not in analyst_names
    series = next(d for d in client.datasets() if d.name == "series")
    assert [(p.name, p.type, p.required, p.min) for p in series.parameters] == [("count", "integer", True, "0")]
    assert [(c.name, c.kind) for c in series.columns] == [("n", "integer"), ("label", "text")]
    assert series.offers_after


def test_rows_are_complete_and_in_order(client):
    stream = client.rows("series", count=2500)
    rows = list(stream)
    assert [r["n"] for r in rows] == list(range(1, 2501))
    assert rows[0] == {"n": 1, "label": "row 1"}
    assert stream.status == "complete" and stream.rows == 2500 and stream.resumes == 0


def test_parameters_take_python_values(client):
    rows = list(client.rows("series", count=10, columns=["label", "n"], limit=3))
    assert rows == [{"label": "row 1", "n": 1}, {"label": "row 2", "n": 2}, {"label": "row 3", "n": 3}]
    assert list(rows[0]) == ["label", "n"]


def test_type_fidelity(client):
    rows = {r["id"]: r for r in client.rows("types")}
    typical = rows[1]
    assert typical["big"] == 9223372036854775807
    assert typical["num"] == Decimal("12345678901234567890.123456789") and isinstance(typical["num"], Decimal)
    assert typical["dbl"] == 0.1 and isinstance(typical["dbl"], float)
    assert typical["rl"] == 1.5
    assert typical["flag"] is True
    assert typical["ts"] == datetime.datetime(2024, 2, 29, 11, 45, 1, 123456, tzinfo=UTC)
    assert typical["ts"].utcoffset() == datetime.timedelta(0)
    assert typical["lts"] == datetime.datetime(2024, 2, 29, 13, 45, 1) and typical["lts"].tzinfo is None
    assert typical["day"] == datetime.date(2024, 2, 29)
    assert typical["doc"] == {"a": [1, Decimal("2.50"), "x"], "b": {"c": None}}
    assert typical["js"] == {"z": 1, "a": 2}
    assert typical["bin"] == b"\x00\xff\x10"
    assert typical["tags"] == ["a", "b,c", None]
    assert typical["nums"] == [Decimal("1.10"), None] and str(typical["nums"][0]) == "1.10"
    assert typical["ints"] == [1, -2]
    assert typical["uid"] == uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    assert typical["txt"] == 'line1\nsay "hi", ok'
    assert typical["dur"] == "1 day 02:00:00"
    assert typical["tod"] == "12:00:00"
    assert all(v is None for k, v in rows[2].items() if k != "id")
    assert rows[3]["num"].is_nan() and math.isnan(rows[3]["dbl"])
    assert rows[3]["ts"] == datetime.datetime.max.replace(tzinfo=UTC) and rows[3]["day"] == datetime.date.max
    assert rows[3]["doc"] == "just a string" and rows[3]["js"] == [] and rows[3]["bin"] == b""
    assert rows[4]["num"] == Decimal("Infinity") and rows[4]["dbl"] == math.inf
    assert rows[4]["ts"] == datetime.datetime.min.replace(tzinfo=UTC) and rows[4]["txt"] == "ünïcødé ✓"
    assert rows[4]["nums"][0] == Decimal("Infinity") and rows[4]["nums"][1] == Decimal("-Infinity")
    assert rows[5]["ts"] == datetime.datetime(1970, 1, 1, tzinfo=UTC) and rows[5]["num"] == Decimal("-Infinity")
    assert rows[6]["num"] == Decimal("1E-21") and rows[6]["dbl"] == 1e300


def test_typed_errors(client, analyst):
    with pytest.raises(BadRequest) as bad:
        list(client.rows("series", count=-1))
    assert bad.value.status == 400 and bad.value.parameter == "count" and bad.value.request_id
    with pytest.raises(BadRequest) as unknown:
        list(client.rows("series", count=1, colour="red"))
    assert unknown.value.parameter == "colour"
    with pytest.raises(NotFound):
        list(client.rows("no_such_dataset"))
    with pytest.raises(Forbidden) as forbidden:
        list(analyst.rows("transactions_raw", limit=1))
    assert forbidden.value.code == "forbidden"
    with pytest.raises(Unauthorized):
        Client(os.environ["SLUICE_URL"], token="not-a-jwt").datasets()
    with pytest.raises(Unauthorized):
        Client(os.environ["SLUICE_URL"]).datasets()


def test_a_cut_stream_is_resumed_and_every_row_arrives_once(cutting):
    stream = cutting.rows("series", count=1000)
    numbers = [r["n"] for r in stream]
    assert numbers == list(range(1, 1001)), "each row exactly once, in order"
    assert stream.status == "complete"
    assert stream.resumes >= 2, "a quota of 300 rows per window cuts a stream of 1000 at least twice"
    assert len(stream.request_ids) > stream.resumes, "each cut was followed by a refusal honoured with Retry-After"


def test_limit_counts_across_resumes(cutting):
    stream = cutting.rows("series", count=5000, limit=700)
    assert [r["n"] for r in stream] == list(range(1, 701))
    assert stream.resumes >= 1


def test_without_attempts_left_a_cut_says_what_happened(cutting):
    stingy = Client(os.environ["SLUICE_CUT_URL"], token=os.environ["SLUICE_TOKEN"], retry=RetryPolicy(attempts=1))
    received = []
    with pytest.raises(StreamCut) as cut:
        for row in stingy.rows("series", count=1000):
            received.append(row["n"])
    assert cut.value.code == "quota-exceeded"
    assert cut.value.rows == len(received) and 0 < len(received) < 1000
    assert cut.value.resume, "the token to go on with later"
    with pytest.raises(TooManyRequests) as refused:
        list(stingy.rows("series", count=10))
    assert refused.value.retry_after is not None and refused.value.code == "quota-exceeded"
    rest = [r["n"] for r in cutting.rows("series", count=1000, resume=cut.value.resume)]
    assert received + rest == list(range(1, 1001))


def test_to_arrow(client):
    pa = pytest.importorskip("pyarrow")
    table = client.to_arrow("series", count=2500)
    assert table.num_rows == 2500
    assert table.column("n").to_pylist() == list(range(1, 2501))
    assert table.schema.field("n").type == pa.int32()
    assert client.to_arrow("series", count=0).num_rows == 0


def test_to_arrow_resumes_after_a_cut(cutting):
    pytest.importorskip("pyarrow")
    table = cutting.to_arrow("series", count=1000)
    assert table.column("n").to_pylist() == list(range(1, 1001))


def test_to_pandas_and_polars(client):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    frame = client.to_pandas("transactions", limit=50)
    assert len(frame) == 50 and list(frame["id"]) == sorted(frame["id"])
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    rows = list(client.rows("transactions", limit=50))
    assert [r["id"] for r in rows] == list(frame["id"])
    assert [r["amount"] for r in rows] == [Decimal(str(a)) for a in frame["amount"]]
    polars_frame = client.to_polars("series", count=100)
    assert polars_frame.height == 100 and polars_frame["n"].to_list() == list(range(1, 101))
    assert isinstance(polars_frame, pl.DataFrame)
