"""Partitioned exports: partitions read in parallel over one snapshot, cuts resumed inside it, the export deleted at the end."""

import os
from decimal import Decimal

import pytest

from sluice_client import Client, Gone, NotFound, RetryPolicy, StreamCut, TooManyRequests

COLUMNS = ["id", "amount", "currency", "created_at"]


def _capture_exports(monkeypatch, client):
    """Records every Export the client creates, so a test can look at it after to_arrow() is done with it."""
    made = []
    original = client.export

    def export(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(client, "export", export)
    return made


def _assert_ended(export):
    with pytest.raises((Gone, NotFound)) as ended:
        export.describe()
    assert ended.value.status in (404, 410)


def test_four_partitions_equal_one_and_the_rows_api(client, monkeypatch):
    pytest.importorskip("pyarrow")
    made = _capture_exports(monkeypatch, client)
    four = client.to_arrow("transactions", partitions=4, currency="EUR")
    one = client.to_arrow("transactions", partitions=1, currency="EUR")
    plain = client.to_arrow("transactions", currency="EUR")
    assert four.num_rows == one.num_rows == plain.num_rows > 1000
    assert four.equals(one) and four.equals(plain), "the same rows, values and order, whatever the partitioning"
    assert [len(e.partitions) for e in made] == [4, 1] and all(e.ordered for e in made)
    rows = [[r[c] for c in COLUMNS] for r in client.rows("transactions", currency="EUR", columns=COLUMNS)]
    assert [list(t) for t in zip(*(four.column(c).to_pylist() for c in COLUMNS))] == rows, "exact values, in order"
    assert isinstance(rows[0][1], Decimal)
    for export in made:
        assert export.closed
        _assert_ended(export)


def test_export_partitions_read_as_rows(client):
    with client.export("transactions", partitions=3, currency="USD", columns="id,amount") as export:
        assert [p.index for p in export.partitions] == [0, 1, 2] and export.ordered
        assert export.columns[0].name == "id" and export.estimated_rows > 0
        assert export.describe()["id"] == export.id
        parts = [list(p.rows()) for p in export.partitions]
        assert all(parts), "each partition holds rows"
        assert all(list(r) == ["id", "amount"] for part in parts for r in part), "columns= applies to every partition read"
    union = [r["id"] for part in parts for r in part]
    assert union == [r["id"] for r in client.rows("transactions", currency="USD", columns="id")]
    _assert_ended(export)


def test_a_cut_partition_resumes_with_its_own_token(cutting, client):
    expected = [r["id"] for r in client.rows("transactions", min_amount=9800, columns="id")]
    assert len(expected) > 600, "more than two quota windows of rows"
    with cutting.export("transactions", partitions=4, min_amount=9800) as export:
        streams = [p.rows(columns="id") for p in export.partitions]
        union = [r["id"] for s in streams for r in s]
    assert union == expected, "each row exactly once, in order"
    assert sum(s.resumes for s in streams) >= 1, "the quota of 300 rows per window cut a partition"
    assert all(s.status == "complete" for s in streams)


def test_cut_arrow_partitions_resume_inside_the_snapshot(cutting, client, monkeypatch):
    pytest.importorskip("pyarrow")
    made = _capture_exports(monkeypatch, cutting)
    table = cutting.to_arrow("transactions", partitions=4, min_amount=9800)
    assert table.equals(client.to_arrow("transactions", min_amount=9800))
    assert table.num_rows > 600
    _assert_ended(made[0])


def test_the_export_is_deleted_when_the_read_fails(monkeypatch):
    pytest.importorskip("pyarrow")
    stingy = Client(os.environ["SLUICE_CUT_URL"], token=os.environ["SLUICE_TOKEN"], retry=RetryPolicy(attempts=1))
    made = _capture_exports(monkeypatch, stingy)
    with pytest.raises((StreamCut, TooManyRequests)) as cut:
        stingy.to_arrow("transactions", partitions=4, min_amount=9000)
    assert cut.value.code in ("cut", "quota-exceeded"), "the partition that failed, not one stopped because of it"
    assert len(made) == 1 and made[0].closed
    _assert_ended(made[0])


def test_single_stream_parameters_are_refused(client):
    with pytest.raises(ValueError, match="limit"):
        client.to_arrow("transactions", partitions=2, limit=5)
