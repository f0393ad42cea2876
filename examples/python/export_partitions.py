#!/usr/bin/env python3
"""Reads a Sluice dataset as a partitioned export: N Arrow partitions over one snapshot, fetched
in parallel, into one pyarrow Table (then pandas or polars if you like).

    python3 examples/python/export_partitions.py transactions_raw --partitions 4
    python3 examples/python/export_partitions.py transactions --params '{"currency": "EUR"}' --base http://127.0.0.1:8080

Needs only the standard library and pyarrow. The export is deleted at the end, whatever
happened, which releases the snapshot it holds on the database. A partition cut midway makes
pyarrow raise (Sluice ends a cut Arrow body with a truncated message), so a table is only ever
built from complete partitions; a real client would resume the partition with its token.
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time
import urllib.request

import pyarrow as pa
import pyarrow.ipc


def request(method, url, token=None, body=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    return urllib.request.Request(url, data=data, method=method, headers=headers)


def create_export(base, dataset, partitions, params, token):
    body = {"partitions": partitions, "params": params}
    with urllib.request.urlopen(request("POST", f"{base}/v1/datasets/{dataset}/exports", token, body)) as response:
        return json.load(response)


def read_partition(base, partition, token):
    """One partition as a pyarrow Table, read as an Arrow IPC stream straight from the response."""
    req = request("GET", base + partition["url"] + "?format=arrow", token)
    req.add_header("Accept", "application/vnd.apache.arrow.stream")
    with urllib.request.urlopen(req) as response:
        header = response.headers.get("Sluice-Partition")
        table = pyarrow.ipc.open_stream(response).read_all()
    return partition["index"], header, table


def delete_export(base, export_id, token):
    try:
        urllib.request.urlopen(request("DELETE", f"{base}/v1/exports/{export_id}", token)).close()
    except OSError as e:  # the export ends by its TTL anyway
        print(f"could not delete export {export_id}: {e}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--params", default="{}", help="the dataset's parameters as a JSON object")
    parser.add_argument("--base", default=os.environ.get("SLUICE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("SLUICE_TOKEN"), help="a JWT, when authentication is on")
    args = parser.parse_args()

    started = time.monotonic()
    manifest = create_export(args.base, args.dataset, args.partitions, json.loads(args.params), args.token)
    try:
        if "note" in manifest:
            print("note:", manifest["note"], file=sys.stderr)
        partitions = manifest["partitions"]
        tables = [None] * len(partitions)
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(partitions)) as pool:
            for index, header, table in pool.map(lambda p: read_partition(args.base, p, args.token), partitions):
                tables[index] = table
                print(f"partition {header}: {table.num_rows} rows", file=sys.stderr)
        # partitions are contiguous key ranges in manifest order: concatenated, the rows are in key order
        table = pa.concat_tables(tables)
    finally:
        delete_export(args.base, manifest["id"], args.token)
    elapsed = time.monotonic() - started
    print(f"{table.num_rows} rows, {table.num_columns} columns from {len(tables)} partitions of export {manifest['id']}"
          f" in {elapsed:.2f} s (estimated {manifest.get('estimatedRows')})")
    print(table.schema)
    # table.to_pandas() or polars.from_arrow(table) from here on


if __name__ == "__main__":
    main()
