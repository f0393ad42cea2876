package io.sluice.support;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that follows a dataset over NDJSON ({@code follow=true}) and keeps the rows it was
 * told of, by {@code id}: the snapshot's rows, then each change applied (insert and update put
 * the row, delete removes it). It may cut its stream after a number of changes, keeping the
 * token of the last one it applied, so that another follower can go on from there with the
 * same state.
 */
public final class Follower implements AutoCloseable {

  private static final boolean DEBUG = System.getenv("FOLLOWER_DEBUG") != null;
  public final Map<Long, JsonObject> state;
  public final AtomicLong changes = new AtomicLong();
  /** Every change applied, in the order read: its position ({@code lsn}), operation and row id, and its resume token. */
  public final java.util.List<String[]> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  public volatile boolean live;
  public volatile String lastToken;
  public volatile String lastStatus;
  public volatile Throwable failure;
  public volatile boolean ended;
  public volatile int status;
  private final long cutAfterChanges;
  private volatile InputStream body;
  private final Thread thread;

  /** Follows {@code GET path} on {@code port}, onto {@code state}; cuts after {@code cutAfterChanges} changes (0: never). */
  public Follower(int port, String path, Map<Long, JsonObject> state, long cutAfterChanges) {
    this.state = state;
    this.cutAfterChanges = cutAfterChanges;
    this.thread = new Thread(() -> run(port, path), "follower");
    thread.setDaemon(true);
    thread.start();
  }

  public Follower(int port, String path) {
    this(port, path, new ConcurrentHashMap<>(), 0);
  }

  private void run(int port, String path) {
    try {
      HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      body = response.body();
      if (status != 200) {
        failure = new IllegalStateException("status " + status + ": " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
        return;
      }
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (DEBUG && (line.contains("_sluice") || line.isBlank())) {
            System.err.println("follower: " + line.substring(0, Math.min(300, line.length())));
          }
          if (!line.isBlank() && apply(new JsonObject(line))) {
            return;
          }
        }
      }
      ended = true;
    } catch (Exception e) {
      if (body == null || cutAfterChanges == 0 || changes.get() < cutAfterChanges) {
        failure = e;
      }
    }
  }

  /** Applies one record; true when the follower cuts here. */
  private boolean apply(JsonObject record) throws Exception {
    JsonObject meta = record.getJsonObject("_sluice");
    if (meta == null) {
      state.put(record.getLong("id"), record);
      return false;
    }
    if (meta.containsKey("status")) {
      lastStatus = meta.getString("status");
      if ("live".equals(lastStatus)) {
        live = true;
        lastToken = meta.getString("resume");
      }
      return false;
    }
    JsonObject row = record.getJsonObject("row");
    switch (meta.getString("op")) {
      case "insert", "update" -> state.put(row.getLong("id"), row);
      case "delete" -> state.remove(row.getLong("id"));
      default -> throw new IllegalStateException("unknown op in " + record);
    }
    lastToken = meta.getString("resume");
    seen.add(new String[] {meta.getString("lsn") + " " + meta.getString("op") + " " + row.getLong("id"), lastToken});
    if (cutAfterChanges > 0 && changes.incrementAndGet() >= cutAfterChanges) {
      body.close();
      return true;
    }
    if (cutAfterChanges == 0) {
      changes.incrementAndGet();
    }
    return false;
  }

  public boolean running() {
    return thread.isAlive();
  }

  @Override
  public void close() throws Exception {
    if (body != null) {
      body.close();
    }
    thread.join(5_000);
  }
}
