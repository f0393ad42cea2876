#!/usr/bin/env python3
"""Checks that common Python readers handle Sluice's output and its completion contract.

  python3 bench/compat.py --selftest                        # sample bodies built in memory
  python3 bench/compat.py --base-url http://127.0.0.1:8080  # a running server

A complete body must read in full, with the right number of rows. A cut body must be told
apart from a complete one: strict CSV readers must raise on its unterminated last field,
and the last line of a cut NDJSON body must be the `_sluice` error record (docs/http.md,
"The completion contract"). Online, the transport is checked too: a complete chunked body
ends with the terminating chunk and the trailers, and a cut one makes urllib raise.

Prints one line per check ("ok", "FAIL" or "skipped", then the detail), then
"N passed, M failed"; exits 1 if a check failed. Checks marked "report:" only say what a
reader did (DuckDB on a cut CSV, say) and never fail.

Readers: the standard library's csv and json, pandas, polars, pyarrow and duckdb
(pip install pandas polars pyarrow duckdb). A missing library skips its checks.
"""

import argparse
import csv
import http.client
import importlib
import io
import json
import os
import re
import socket
import ssl
import sys
import tempfile
import urllib.parse
import urllib.request

ROWS_PATH = "/v1/datasets/{name}/rows"
DEFAULT_CUT_PATH = "/v1/datasets/failing/rows?fail_at=3000"
RESERVED_KEY = "_sluice"
CUT_MARKER = re.compile(r'"#sluice: stream cut after (\d+) rows: ([^\r\n]*)\Z')
# DuckDB's sniffer reads the whole of a body this small, sees the unterminated quote and
# may settle on a dialect without quotes: the body then reads as one column
SMALL_CUT_ROWS = 50
COLUMNS = ["id", "account_id", "amount", "currency", "merchant", "category", "status",
           "created_at", "description", "tags"]


class Skip(Exception):
  """A check that cannot run here: a missing library, or a dataset the server lacks."""


class CheckFailed(Exception):
  """A check whose outcome breaks the contract."""


class Results:
  """Runs checks, prints one line for each, and counts them."""

  def __init__(self):
    self.passed = 0
    self.failed = 0
    self.skipped = 0

  def run(self, name, check, *args):
    try:
      detail = check(*args)
      status = "ok"
      self.passed += 1
    except Skip as e:
      status, detail = "skipped", str(e)
      self.skipped += 1
    except CheckFailed as e:
      status, detail = "FAIL", str(e)
      self.failed += 1
    except Exception as e:  # a check that blew up is a failed check
      status, detail = "FAIL", "unexpected " + describe(e)
      self.failed += 1
    detail = " ".join(str(detail).split("\n"))
    if len(detail) > 400:
      detail = detail[:397] + "..."
    print(f"{status:<7} {name}: {detail}", flush=True)

  def skip(self, name, reason):
    self.run(name, raise_skip, reason)

  def summary(self):
    line = f"{self.passed} passed, {self.failed} failed"
    return line + (f", {self.skipped} skipped" if self.skipped else "")


def raise_skip(reason):
  raise Skip(reason)


def describe(error, limit=240):
  """An exception as one line: its type, the first line of its message and the next one about quotes."""
  lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [""]
  quotes = [line for line in lines[1:] if "quote" in line.lower()]
  text = f"{type(error).__module__}.{type(error).__qualname__}: {' | '.join(lines[:1] + quotes[:1])}"
  return text if len(text) <= limit else text[:limit - 3] + "..."


def lib(name):
  """Imports a reader library on first use; a missing one skips the check."""
  try:
    return importlib.import_module(name)
  except ImportError:
    raise Skip(f"{name.split('.')[0]} is not installed (pip install pandas polars pyarrow duckdb)")


# ---------------------------------------------------------------- readers

def csv_stdlib(body):
  """Python's csv module with strict=True: (rows, columns), header excluded."""
  records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), strict=True))
  widths = {len(r) for r in records}
  return len(records) - 1, widths.pop() if len(widths) == 1 else sorted(widths)


def csv_pandas(body):
  frame = lib("pandas").read_csv(io.BytesIO(body), engine="c")
  return frame.shape


def csv_polars(body):
  frame = lib("polars").read_csv(io.BytesIO(body))
  return frame.shape


def csv_pyarrow(body):
  pa_csv = lib("pyarrow.csv")
  table = pa_csv.read_csv(io.BytesIO(body), parse_options=pa_csv.ParseOptions(newlines_in_values=True))
  return table.num_rows, table.num_columns


def csv_duckdb(body, dialect=""):
  """DuckDB's read_csv on a temporary file, sniffing the dialect unless `dialect` sets it."""
  duckdb = lib("duckdb")
  with tempfile.TemporaryDirectory(prefix="sluice-compat-") as tmp:
    path = os.path.join(tmp, "body.csv")
    with open(path, "wb") as f:
      f.write(body)
    source = f"read_csv('{path}'{dialect})"
    with duckdb.connect() as con:
      rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
      columns = len(con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall())
  return rows, columns


def csv_duckdb_explicit(body):
  """DuckDB told the dialect Sluice writes, as a careful caller would."""
  return csv_duckdb(body, ", delim=',', quote='\"', escape='\"', header=true")


CSV_READERS = [
  ("python csv strict", csv_stdlib),
  ("pandas read_csv (C engine)", csv_pandas),
  ("polars read_csv", csv_polars),
  ("pyarrow.csv read_csv", csv_pyarrow),
  ("duckdb read_csv", csv_duckdb),
  ("duckdb read_csv, dialect given", csv_duckdb_explicit),
]
# readers that must reject a cut CSV; the others are only reported
CSV_STRICT = {"python csv strict", "pandas read_csv (C engine)", "polars read_csv"}


def ndjson_lines(body):
  """Every line parsed with json.loads; each must be an object."""
  text = body.decode("utf-8")
  if text and not text.endswith("\n"):
    raise CheckFailed("the body does not end with a line feed")
  objects = [json.loads(line) for line in text.splitlines()]
  if not all(isinstance(o, dict) for o in objects):
    raise CheckFailed("a line is not a JSON object")
  return objects


def ndjson_pandas(body):
  return lib("pandas").read_json(io.BytesIO(body), lines=True)


def ndjson_polars(body, infer_schema_length=100):
  return lib("polars").read_ndjson(io.BytesIO(body), infer_schema_length=infer_schema_length)


# ---------------------------------------------------------------- CSV checks

def check_csv_reads(reader, body, rows, columns):
  shape = reader(body)
  if tuple(shape) != (rows, columns):
    raise CheckFailed(f"read {shape[0]} rows x {shape[1]} columns, expected {rows} x {columns}")
  return f"{rows} rows x {columns} columns"


def check_csv_rejects(reader, body):
  try:
    shape = reader(body)
  except (Skip, TypeError, NameError, AttributeError):
    raise  # a missing library or a bug here, not the reader rejecting the body
  except Exception as e:
    return "raised " + describe(e)
  raise CheckFailed(f"read the cut body without an error: {shape[0]} rows x {shape[1]} columns")


def report_csv_cut(reader, body, rows_before, columns):
  try:
    shape = reader(body)
  except (Skip, TypeError, NameError, AttributeError):
    raise
  except Exception as e:
    return "report: raised " + describe(e)
  return (f"report: NO error, read {shape[0]} rows x {shape[1]} columns "
          f"(the body has {rows_before} rows x {columns} columns before the cut marker)")


def cut_marker(body):
  """(rows, reason) from the unterminated field that ends a cut CSV body, or None."""
  match = CUT_MARKER.search(body.decode("utf-8", errors="replace"))
  return (int(match.group(1)), match.group(2)) if match else None


def check_csv_marker(body):
  marker = cut_marker(body)
  if marker is None:
    tail = body[-120:].decode("utf-8", errors="replace")
    raise CheckFailed(f"the body does not end with the unterminated cut field: ...{tail!r}")
  rows, reason = marker
  records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))  # lenient
  before = len(records) - 2  # header and marker
  if before != rows:
    raise CheckFailed(f"the marker says {rows} rows, but {before} records precede it")
  return f"ends with the unterminated field: {rows} rows, then '{reason}'"


def header_width(body):
  return len(next(csv.reader(io.StringIO(body.decode("utf-8", errors="replace"), newline="")), []))


def csv_complete_checks(results, label, body, rows):
  columns = header_width(body)
  for name, reader in CSV_READERS:
    results.run(f"{label}: {name}", check_csv_reads, reader, body, rows, columns)


def csv_cut_checks(results, label, body):
  results.run(f"{label}: cut marker", check_csv_marker, body)
  marker = cut_marker(body)
  rows_before = marker[0] if marker else "?"
  for name, reader in CSV_READERS:
    if name in CSV_STRICT:
      results.run(f"{label}: {name} rejects it", check_csv_rejects, reader, body)
    else:
      results.run(f"{label}: {name}", report_csv_cut, reader, body, rows_before, header_width(body))


# ---------------------------------------------------------------- NDJSON checks

def check_ndjson_lines(body, rows):
  objects = ndjson_lines(body)
  if any(RESERVED_KEY in o for o in objects):
    raise CheckFailed(f"a line holds the reserved key {RESERVED_KEY}")
  if len(objects) != rows:
    raise CheckFailed(f"{len(objects)} lines, expected {rows}")
  return f"{rows} rows"


def check_ndjson_frame(reader, body, rows):
  frame = reader(body)
  if RESERVED_KEY in frame.columns:
    raise CheckFailed(f"a {RESERVED_KEY} column appeared")
  if len(frame) != rows:
    raise CheckFailed(f"{len(frame)} rows, expected {rows}")
  return f"{rows} rows x {len(frame.columns)} columns"


def summary_record(body, status):
  """The final `_sluice` record, checked against the lines before it; returns it."""
  objects = ndjson_lines(body)
  if not objects or set(objects[-1]) != {RESERVED_KEY}:
    last = objects[-1] if objects else "the body is empty"
    raise CheckFailed(f"the last line is not a {RESERVED_KEY} record: {last}")
  record = objects[-1][RESERVED_KEY]
  if record.get("status") != status:
    raise CheckFailed(f"the last record's status is {record.get('status')!r}, expected {status!r}")
  if record.get("rows") != len(objects) - 1:
    raise CheckFailed(f"the record says {record.get('rows')} rows, but {len(objects) - 1} lines precede it")
  if any(RESERVED_KEY in o for o in objects[:-1]):
    raise CheckFailed(f"a row line holds the reserved key {RESERVED_KEY}")
  return record


def check_ndjson_meta(body):
  record = summary_record(body, "complete")
  return f"last line {json.dumps({RESERVED_KEY: record}, separators=(',', ':'))}"


def check_ndjson_error(body):
  record = summary_record(body, "error")
  error = record.get("error") or {}
  if not error.get("code") or not error.get("message"):
    raise CheckFailed(f"the error record lacks a code or a message: {record}")
  return f"last line is the error record: {record['rows']} rows, then {error['code']}: {error['message']}"


def report_ndjson_frame(reader, body, advice=""):
  """What a data-frame reader makes of the error record; for the report only."""
  try:
    frame = reader(body)
  except (Skip, TypeError, NameError, AttributeError):
    raise
  except Exception as e:
    return "report: raised " + describe(e)
  last = frame.iloc[-1].to_dict() if hasattr(frame, "iloc") else frame.row(-1, named=True)  # pandas, polars
  if RESERVED_KEY in frame.columns:
    others = [k for k, v in last.items() if k != RESERVED_KEY and not is_missing(v)]
    return (f"report: {len(frame)} rows; the last row has {RESERVED_KEY}={last[RESERVED_KEY]}"
            f" and {'no other value' if not others else 'values in ' + ', '.join(others)}")
  empty = all(is_missing(v) for v in last.values())
  return (f"report: {len(frame)} rows and NO {RESERVED_KEY} column; the last row is "
          f"{'all null' if empty else 'an ordinary row'}{advice}")


def is_missing(value):
  """None, NaN or NaT."""
  try:
    return value is None or bool(value != value)
  except (TypeError, ValueError):
    return False


def ndjson_complete_checks(results, label, body, rows):
  results.run(f"{label}: json.loads per line", check_ndjson_lines, body, rows)
  results.run(f"{label}: pandas read_json(lines=True)", check_ndjson_frame, ndjson_pandas, body, rows)
  results.run(f"{label}: polars read_ndjson", check_ndjson_frame, ndjson_polars, body, rows)


def ndjson_cut_checks(results, label, body):
  results.run(f"{label}: json.loads per line, last line", check_ndjson_error, body)
  results.run(f"{label}: pandas read_json(lines=True)", report_ndjson_frame, ndjson_pandas, body)
  results.run(f"{label}: polars read_ndjson", report_ndjson_frame, ndjson_polars, body,
              " (the schema comes from the first 100 lines; infer_schema_length=None keeps it)")
  results.run(f"{label}: polars read_ndjson(infer_schema_length=None)", report_ndjson_frame,
              lambda b: ndjson_polars(b, infer_schema_length=None), body)


# ---------------------------------------------------------------- sample bodies (--selftest)

def sample_rows(count):
  """Rows shaped like the demo's transactions_raw: NULLs, empty strings, quotes, line feeds."""
  for i in range(1, count + 1):
    if i % 97 == 0:
      description = f'Refund "partial", see note\ncard 4000 1234 5678 {i % 10000:04d}'
    elif i % 89 == 0:
      description = ""
    else:
      description = f"Card payment, card 4000 1234 5678 {i % 10000:04d}"
    yield {
      "id": i,
      "account_id": 1 + (i * 7919) % 5000,
      "amount": (i * 104729) % 1000000 / 100,
      "currency": ["EUR", "USD", "GBP", "JPY", "CHF"][i % 5],
      "merchant": None if i % 101 == 0 else f"m{(i * 31) % 500:04d}",
      "category": ["groceries", "travel", "dining", "utilities", "electronics", "health"][(i * 13) % 6],
      "status": ["settled", "settled", "settled", "pending", "declined"][(i * 17) % 5],
      "created_at": f"2024-01-01T{i * 31 // 3600 % 24:02d}:{i * 31 // 60 % 60:02d}:{i * 31 % 60:02d}Z",
      "description": description,
      "tags": {"risk": (i * 7) % 100 / 100, "channel": ["web", "pos", "app"][i % 3],
               "labels": ["review", "new-merchant"] if i % 10 == 0 else []},
    }


def csv_field(value):
  """NULL as an empty field, "" quoted, JSON as text, quotes only where needed."""
  if value is None:
    return ""
  text = json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value)
  if text == "" or any(c in text for c in ',"\r\n'):
    return '"' + text.replace('"', '""') + '"'
  return text


def csv_body(rows, cut=None):
  """A CSV body; with `cut` (code, message) it ends like a stream cut after those rows."""
  lines = [",".join(COLUMNS)] + [",".join(csv_field(row[c]) for c in COLUMNS) for row in rows]
  body = "\r\n".join(lines) + "\r\n"
  if cut:
    body += f'"#sluice: stream cut after {len(rows)} rows: {cut[0]}: {cut[1]}'
  return body.encode("utf-8")


def ndjson_body(rows, last=None):
  """An NDJSON body; `last` is the _sluice record that ends it, if any."""
  lines = [json.dumps(row, separators=(",", ":"), ensure_ascii=False) for row in rows]
  if last is not None:
    lines.append(json.dumps({RESERVED_KEY: last}, separators=(",", ":")))
  return ("\n".join(lines) + "\n").encode("utf-8")


def selftest(args, results):
  rows = list(sample_rows(args.rows))
  small = rows[:SMALL_CUT_ROWS]
  cut = ("bad-request", "data exception: division by zero")
  error = {"status": "error", "rows": len(rows), "error": {"code": cut[0], "message": cut[1]}}
  csv_complete_checks(results, "csv complete", csv_body(rows), len(rows))
  csv_cut_checks(results, "csv cut", csv_body(rows, cut))
  csv_cut_checks(results, f"csv cut, {len(small)} rows", csv_body(small, cut))
  ndjson_complete_checks(results, "ndjson complete", ndjson_body(rows), len(rows))
  results.run("ndjson complete, meta=true", check_ndjson_meta,
              ndjson_body(rows, {"status": "complete", "rows": len(rows)}))
  ndjson_cut_checks(results, "ndjson cut", ndjson_body(rows, error))


# ---------------------------------------------------------------- HTTP (online mode)

class Response:
  def __init__(self, status, headers, body, trailers, ended):
    self.status = status
    self.headers = headers      # lower-cased names
    self.body = body            # decoded from chunks
    self.trailers = trailers    # lower-cased names
    self.ended = ended          # True: terminating chunk seen; False: cut; None: not chunked


def with_query(path, **params):
  parts = urllib.parse.urlsplit(path)
  query = urllib.parse.parse_qsl(parts.query) + [(k, str(v)) for k, v in params.items()]
  return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def fetch(base, path, timeout):
  """GET over a plain socket: unlike http.client, it keeps the trailers and a cut body."""
  url = urllib.parse.urlsplit(base)
  port = url.port or (443 if url.scheme == "https" else 80)
  sock = socket.create_connection((url.hostname, port), timeout=timeout)
  if url.scheme == "https":
    sock = ssl.create_default_context().wrap_socket(sock, server_hostname=url.hostname)
  with sock:
    request = (f"GET {url.path.rstrip('/')}{path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
               "Connection: close\r\nUser-Agent: sluice-compat\r\n\r\n")
    sock.sendall(request.encode("ascii"))
    data = bytearray()
    while True:
      piece = sock.recv(1 << 16)
      if not piece:
        break
      data += piece
      if data.endswith(b"\r\n\r\n") and b"\r\n0\r\n" in data[-4096:] and decode(data).ended:
        break  # the terminating chunk and the trailers are in, even if the server keeps the connection
  return decode(data)


def decode(data):
  head, sep, rest = bytes(data).partition(b"\r\n\r\n")
  if not sep:
    raise CheckFailed(f"no complete response head in {len(data)} bytes")
  lines = head.decode("iso-8859-1").split("\r\n")
  status = int(lines[0].split()[1])
  headers = parse_fields(lines[1:])
  if "chunked" not in headers.get("transfer-encoding", "").lower():
    length = int(headers.get("content-length", len(rest)))
    return Response(status, headers, rest[:length], {}, None)
  body, pos = bytearray(), 0
  while True:
    eol = rest.find(b"\r\n", pos)
    if eol < 0:
      return Response(status, headers, bytes(body), {}, False)
    size = int(rest[pos:eol].split(b";")[0], 16)
    pos = eol + 2
    if size == 0:
      end = rest.find(b"\r\n\r\n", pos - 2)
      if end < 0:
        return Response(status, headers, bytes(body), {}, False)
      trailers = parse_fields(rest[pos:end].decode("iso-8859-1").split("\r\n"))
      return Response(status, headers, bytes(body), trailers, True)
    body += rest[pos:pos + size]
    if len(rest) < pos + size + 2:
      return Response(status, headers, bytes(body), {}, False)
    pos += size + 2


def parse_fields(lines):
  fields = {}
  for line in lines:
    name, sep, value = line.partition(":")
    if sep:
      fields[name.strip().lower()] = value.strip()
  return fields


def check_ended(response):
  """A complete stream: 200, the terminating chunk, and trailers that say complete."""
  if response.status != 200:
    raise CheckFailed(f"HTTP {response.status}: {response.body[:200]!r}")
  if response.ended is not True:
    raise CheckFailed("no terminating chunk" if response.ended is False else "the body is not chunked")
  status = response.trailers.get("sluice-status")
  count = response.trailers.get("sluice-row-count")
  if status != "complete" or count is None or not count.isdigit():
    raise CheckFailed(f"trailers {response.trailers}, expected Sluice-Status: complete and Sluice-Row-Count")
  return f"terminating chunk, then Sluice-Status: {status}, Sluice-Row-Count: {count}"


def check_cut(response):
  """A cut stream: 200 (the rows had started), then no terminating chunk and no trailers."""
  if response.status != 200:
    raise CheckFailed(f"HTTP {response.status}: {response.body[:200]!r}")
  if response.ended is not False:
    raise CheckFailed("the body ended cleanly" if response.ended else "the body is not chunked")
  return f"the connection closed after {len(response.body)} body bytes, with no terminating chunk"


def expected_rows(response, count):
  """Sluice-Row-Count, or else the rows `count` finds in a 200 body, or else None."""
  trailer = response.trailers.get("sluice-row-count", "")
  if trailer.isdigit():
    return int(trailer)
  if response.status != 200:
    return None
  try:
    return count(response.body)
  except Exception:
    return None


def check_urllib_complete(url, timeout):
  with urllib.request.urlopen(url, timeout=timeout) as r:
    body = r.read()
    trailer = r.headers.get("Sluice-Row-Count")
    announced = r.headers.get("Trailer")
  seen = f"visible as {trailer}" if trailer is not None else "not visible"
  return f"read {len(body)} bytes; Sluice-Row-Count is {seen} (Trailer: {announced})"


def check_urllib_cut(url, timeout):
  with urllib.request.urlopen(url, timeout=timeout) as r:
    try:
      body = r.read()
    except http.client.IncompleteRead as e:
      return f"read() raised http.client.IncompleteRead after {len(e.partial)} bytes"
  raise CheckFailed(f"read() returned {len(body)} bytes without an error")


def online(args, results):
  base, timeout = args.base_url.rstrip("/"), args.timeout
  path = ROWS_PATH.format(name=urllib.parse.quote(args.dataset))

  response = fetch(base, with_query(path, format="csv", limit=args.limit), timeout)
  results.run("csv complete: transport", check_ended, response)
  rows = expected_rows(response, lambda body: csv_stdlib(body)[0])
  if rows is None:
    results.skip("csv complete", "no row count to check the readers against")
  else:
    csv_complete_checks(results, "csv complete", response.body, rows)

  response = fetch(base, with_query(path, format="ndjson", limit=args.limit), timeout)
  results.run("ndjson complete: transport", check_ended, response)
  rows = expected_rows(response, lambda body: len(ndjson_lines(body)))
  if rows is None:
    results.skip("ndjson complete", "no row count to check the readers against")
  else:
    ndjson_complete_checks(results, "ndjson complete", response.body, rows)

  response = fetch(base, with_query(path, format="ndjson", limit=args.limit, meta="true"), timeout)
  results.run("ndjson complete, meta=true", check_ndjson_meta, response.body)
  results.run("urllib, complete csv", check_urllib_complete,
              base + with_query(path, format="csv", limit=args.limit), timeout)

  cut_csv = fetch(base, with_query(args.cut_path, format="csv"), timeout)
  if cut_csv.status == 404:
    results.skip("cut streams", f"{args.cut_path} answered 404 (the failing dataset exists only "
                 "in the test configuration; --selftest covers the cut bodies)")
    return
  results.run("csv cut: transport", check_cut, cut_csv)
  csv_cut_checks(results, "csv cut", cut_csv.body)
  cut_ndjson = fetch(base, with_query(args.cut_path, format="ndjson"), timeout)
  results.run("ndjson cut: transport", check_cut, cut_ndjson)
  ndjson_cut_checks(results, "ndjson cut", cut_ndjson.body)
  for fmt in ("csv", "ndjson"):
    results.run(f"urllib, cut {fmt}", check_urllib_cut, base + with_query(args.cut_path, format=fmt), timeout)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  mode = parser.add_mutually_exclusive_group(required=True)
  mode.add_argument("--base-url", help="a running Sluice, e.g. http://127.0.0.1:8080")
  mode.add_argument("--selftest", action="store_true", help="check sample bodies built in memory")
  parser.add_argument("--dataset", default="transactions_raw", help="dataset of the complete streams")
  parser.add_argument("--limit", type=int, default=5000, help="rows asked of the complete streams")
  parser.add_argument("--cut-path", default=DEFAULT_CUT_PATH, help="a path whose stream is cut")
  parser.add_argument("--rows", type=int, default=4900, help="rows in the --selftest bodies")
  parser.add_argument("--timeout", type=float, default=60, help="seconds per socket operation")
  args = parser.parse_args(argv)

  results = Results()
  if args.selftest:
    selftest(args, results)
  else:
    try:
      online(args, results)
    except Exception as e:  # unreachable, or an answer that is not HTTP
      results.run("server", raise_failed, f"{args.base_url}: {describe(e)}")
  print(results.summary())
  return 1 if results.failed else 0


def raise_failed(detail):
  raise CheckFailed(detail)


if __name__ == "__main__":
  sys.exit(main())
