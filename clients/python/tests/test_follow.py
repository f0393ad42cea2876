"""follow(): a real Sluice following a real logical-replication PostgreSQL, written to while the client follows."""

import datetime
import itertools
import os
import socket
import subprocess
import threading
import urllib.parse
from decimal import Decimal

import pytest

from sluice_client import Client, FollowUnavailable, MustRefetch, RetryPolicy

_ids = itertools.count(10_000)
_seq = itertools.count(1)


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: these tests run from PythonClientIT (mvn verify), against a real Sluice")
    return value


def psql(sql: str) -> str:
    """Runs ``sql`` on the followed PostgreSQL (autocommit per statement unless it says BEGIN); its unaligned output."""
    done = subprocess.run(["psql", _env("SLUICE_FOLLOW_PG"), "-v", "ON_ERROR_STOP=1", "-Atq", "-F", "|", "-c", sql],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def selected(status: str):
    """What SELECT says the dataset holds for ``status``: id -> (status, amount, seq)."""
    rows = {}
    for line in psql(f"SELECT id, status, amount, seq FROM follow_items WHERE status = '{status}'").splitlines():
        id_, st, amount, seq = line.split("|")
        rows[int(id_)] = (st, Decimal(amount), int(seq))
    return rows


class Writers:
    """Writes on a thread of its own: inserts, updates in and out of the filter, deletes, and transactions of several."""

    def __init__(self, writes: int):
        self.writes = writes
        self.sentinel = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        try:
            for i in range(self.writes):
                new, seq = next(_ids), next(_seq)
                kind = i % 5
                if kind == 0:
                    psql(f"INSERT INTO follow_items (id, status, amount, seq) VALUES ({new}, 'open', {i}.25, {seq})")
                elif kind == 1:
                    psql(f"UPDATE follow_items SET amount = amount + 1, seq = {seq} WHERE id = (SELECT min(id) FROM follow_items"
                         f" WHERE status = 'open' AND id % 7 = {i % 7})")
                elif kind == 2:
                    psql(f"UPDATE follow_items SET status = CASE status WHEN 'open' THEN 'closed' ELSE 'open' END, seq = {seq}"
                         f" WHERE id = {1 + (i * 13) % 200}")
                elif kind == 3:
                    psql(f"DELETE FROM follow_items WHERE id = (SELECT max(id) FROM follow_items WHERE id % 5 = {i % 5})")
                else:
                    seq2 = next(_seq)
                    psql(f"BEGIN; INSERT INTO follow_items (id, status, amount, seq) VALUES ({new}, 'open', 1.5, {seq});"
                         f" UPDATE follow_items SET seq = {seq2}, amount = 2.75 WHERE id = {new}; COMMIT;")
            self.sentinel = next(_ids)
            psql(f"INSERT INTO follow_items (id, status, amount, seq) VALUES ({self.sentinel}, 'open', 0, {next(_seq)})")
        except Exception as failed:  # noqa: BLE001 - reported by the test
            self.error = failed


def follow_until_sentinel(stream, writers_factory):
    """Applies the stream's records to a state until the writers' sentinel arrives; the state and the changes seen."""
    state, changes, writers = {}, [], None
    for change in stream:
        if change.op == "live" and writers is None:
            writers = writers_factory().start()
            continue
        if change.op == "live":
            continue
        # the snapshot comes once, first: a resume goes on after the last change, it does not read a snapshot again
        assert change.op != "snapshot" or (writers is None and not changes), change
        if change.op in ("snapshot", "insert", "update"):
            state[change.row["id"]] = change.row
        else:
            state.pop(change.row["id"], None)
        if change.op != "snapshot":
            changes.append(change)
        assert writers is None or writers.error is None, writers.error
        if writers is not None and writers.sentinel is not None and change.row["id"] == writers.sentinel:
            break
    stream.close()
    assert writers.error is None, writers.error
    return state, changes


def check(state, changes):
    # exact types, as rows() gives them
    row = next(iter(state.values()))
    assert isinstance(row["amount"], Decimal)
    assert isinstance(row["at"], datetime.datetime) and row["at"].tzinfo is not None
    assert all(c.op in ("insert", "update", "delete") and c.lsn and c.resume for c in changes)
    # in commit order: each write set a larger seq, so new rows' seqs only grow (a repeated change would repeat one)
    seqs = [c.row["seq"] for c in changes if c.op in ("insert", "update") and c.row["seq"] > 0]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), seqs
    lsns = [tuple(int(part, 16) for part in c.lsn.split("/")) for c in changes]
    assert lsns == sorted(lsns)
    # the materialised state is what SELECT says
    assert {k: (v["status"], v["amount"], v["seq"]) for k, v in state.items()} == selected("open")


def test_follow_delivers_every_change_in_order_and_the_state_equals_select():
    client = Client(_env("SLUICE_FOLLOW_URL"), timeout=30, retry=RetryPolicy(attempts=5, backoff=0.05))
    stream = client.follow("follow_items", live=True, status="open")
    state, changes = follow_until_sentinel(stream, lambda: Writers(60))
    assert stream.snapshot_rows > 0 and stream.resumes == 0
    assert {c.op for c in changes} == {"insert", "update", "delete"}
    check(state, changes)


class CuttingProxy:
    """A TCP relay that closes each of the first ``cuts`` responses in the middle of its ``after``-th change record
    (or ``after``-th occurrence of ``marker``)."""

    def __init__(self, target: str, after: int, cuts: int, marker: bytes = b'"op":'):
        self.marker = marker
        parsed = urllib.parse.urlsplit(target)
        self.target = (parsed.hostname, parsed.port)
        self.after = after
        self.cuts_left = cuts
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source, sink, response):
        seen = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if response:
                    at = -1
                    for _ in range(data.count(self.marker)):
                        at = data.index(self.marker, at + 1)
                        seen += 1
                        if seen == self.after and self._cut_now():
                            sink.sendall(data[: at + 10])  # a change record cut in two
                            return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _cut_now(self) -> bool:
        with self.lock:
            if self.cuts_left > 0:
                self.cuts_left -= 1
                return True
            return False

    def close(self):
        self.server.close()


def test_follow_cut_mid_record_resumes_exactly_with_the_last_token():
    proxy = CuttingProxy(_env("SLUICE_FOLLOW_URL"), after=3, cuts=4)
    try:
        client = Client(proxy.url, timeout=30, retry=RetryPolicy(attempts=5, backoff=0.05))
        stream = client.follow("follow_items", live=True, status="open")
        state, changes = follow_until_sentinel(stream, lambda: Writers(60))
        assert stream.resumes >= 4, stream.resumes
        assert len(stream.request_ids) == stream.resumes + 1
        check(state, changes)
    finally:
        proxy.close()


def test_follow_cut_inside_the_snapshot_goes_on_from_its_last_checkpoint():
    # each of the first 3 responses is cut in the middle of its 60th row, inside the snapshot, while writers write
    proxy = CuttingProxy(_env("SLUICE_FOLLOW_URL"), after=60, cuts=3, marker=b'{"id":')
    try:
        client = Client(proxy.url, timeout=30, retry=RetryPolicy(attempts=5, backoff=0.05))
        stream = client.follow("follow_items", live=True, status="open")
        writers = Writers(40).start()
        state, snapshot_ids, changes = {}, [], []
        for change in stream:
            if change.op == "live":
                if writers.sentinel is not None and writers.sentinel in state:
                    break
                continue
            if change.op == "snapshot":
                snapshot_ids.append(change.row["id"])
            else:
                changes.append(change)
            if change.op in ("snapshot", "insert", "update"):
                state[change.row["id"]] = change.row
            else:
                state.pop(change.row["id"], None)
            assert writers.error is None, writers.error
            if writers.sentinel is not None and change.row["id"] == writers.sentinel:
                break
        stream.close()
        writers.thread.join(60)
        assert writers.error is None, writers.error
        assert stream.resumes >= 3, stream.resumes
        # each snapshot row given out once, though three responses were cut inside the snapshot
        assert len(snapshot_ids) == len(set(snapshot_ids)), sorted(snapshot_ids)
        assert {k: (v["status"], v["amount"], v["seq"]) for k, v in state.items()} == selected("open")
    finally:
        proxy.close()


def test_follow_resumes_later_from_a_token_without_a_snapshot():
    client = Client(_env("SLUICE_FOLLOW_URL"), timeout=30, retry=RetryPolicy(attempts=5, backoff=0.05))
    with client.follow("follow_items", live=True, status="open") as first:
        token = next(c for c in first if c.op == "live").resume
    new = next(_ids)
    psql(f"INSERT INTO follow_items (id, status, amount, seq) VALUES ({new}, 'open', 7.5, 0)")
    with client.follow("follow_items", status="open", resume=token) as later:
        change = next(later)
    assert (change.op, change.row["id"], change.row["amount"]) == ("insert", new, Decimal("7.50"))
    assert later.snapshot_rows == 0


def test_a_position_sluice_cannot_continue_raises_must_refetch():
    client = Client(_env("SLUICE_FOLLOW_URL"), timeout=30)
    with pytest.raises(MustRefetch) as raised:
        next(iter(client.follow("follow_items", after=1)))
    assert raised.value.code == "must-refetch"


def test_a_dataset_that_cannot_be_followed_raises_follow_unavailable():
    client = Client(_env("SLUICE_FOLLOW_URL"), timeout=30)
    with pytest.raises(FollowUnavailable) as raised:
        next(iter(client.follow("keyless")))
    assert raised.value.status == 409 and "REPLICA IDENTITY FULL" in raised.value.message
