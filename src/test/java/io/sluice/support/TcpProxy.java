package io.sluice.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of the test database that a test can take down: while refusing, it
 * accepts each connection and closes it at once (as a server that is gone would); while
 * holding, it accepts each connection and answers nothing on it (as a server that hangs
 * would). It counts every connection attempt, so a test can tell that nothing tried the database,
 * and the connections it accepted that are still open (the most at once too), and how long
 * each connection it held lived, so a test can tell how many sockets Sluice keeps toward a
 * database that hangs, and for how long.
 */
public final class TcpProxy {

  private final NetServer server;
  private final NetClient client;
  private final String targetHost;
  private final int targetPort;
  private final AtomicInteger attempts = new AtomicInteger();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final Set<NetSocket> held = ConcurrentHashMap.newKeySet();
  /** Accepted connections not yet closed, however the proxy treats them. */
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger mostAccepted = new AtomicInteger();
  /** How long each held connection lived, from accepted to closed, in milliseconds. */
  private final List<Long> heldLifetimesMs = new CopyOnWriteArrayList<>();
  private volatile boolean refusing;
  private volatile boolean holding;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.server = vertx.createNetServer();
    this.client = vertx.createNetClient();
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** A proxy on a free port of 127.0.0.1 to {@code targetHost:targetPort}. */
  public static Future<TcpProxy> start(Vertx vertx, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort);
    return proxy.server.connectHandler(proxy::accept).listen(0, "127.0.0.1").map(proxy);
  }

  /** A proxy to the test database, for tests that take it away. */
  public static Future<TcpProxy> toTestDatabase(Vertx vertx) {
    PgConnectOptions database = PgConnectOptions.fromUri(TestDatabase.url());
    return start(vertx, database.getHost(), database.getPort());
  }

  /** The test database's URL through this proxy. */
  public String testDatabaseUrl() {
    PgConnectOptions database = PgConnectOptions.fromUri(TestDatabase.url());
    return "postgresql://" + database.getUser() + "@127.0.0.1:" + port() + "/" + database.getDatabase();
  }

  private void accept(NetSocket downstream) {
    attempts.incrementAndGet();
    mostAccepted.accumulateAndGet(accepted.incrementAndGet(), Math::max);
    long acceptedAt = System.nanoTime();
    downstream.closeHandler(v -> {
      accepted.decrementAndGet();
      open.remove(downstream);
      if (held.remove(downstream)) {
        heldLifetimesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedAt));
      }
    });
    if (refusing) {
      downstream.close();
      return;
    }
    if (holding) {
      downstream.pause();
      held.add(downstream);
      return;
    }
    downstream.pause();
    client.connect(targetPort, targetHost)
        .onSuccess(upstream -> {
          open.add(downstream);
          open.add(upstream);
          upstream.closeHandler(v -> open.remove(upstream));
          downstream.pipeTo(upstream);
          upstream.pipeTo(downstream);
        })
        .onFailure(err -> downstream.close());
  }

  public int port() {
    return server.actualPort();
  }

  /** Connection attempts so far, refused ones included. */
  public int attempts() {
    return attempts.get();
  }

  /** Connections from Sluice the proxy accepted and that are still open: held, passed through, or being refused. */
  public int openConnections() {
    return accepted.get();
  }

  /** The most connections from Sluice open at once since the last {@link #resetMostOpen()} (or the start). */
  public int mostOpenConnections() {
    return mostAccepted.get();
  }

  /** Starts counting {@link #mostOpenConnections()} afresh, from those open now; forgets the lifetimes of held ones. */
  public void resetMostOpen() {
    mostAccepted.set(accepted.get());
    heldLifetimesMs.clear();
  }

  /** Connections held now (taken while holding, never answered, still open). */
  public int heldConnections() {
    return held.size();
  }

  /** How long each held connection that closed lived, from accepted to closed, in milliseconds. */
  public List<Long> heldLifetimesMs() {
    return List.copyOf(heldLifetimesMs);
  }

  /** Refuses new connections (true) or lets them through again (false). */
  public void refuse(boolean refuse) {
    refusing = refuse;
  }

  /**
   * Holds new connections without a word (true), as a database that hangs; false closes those
   * it held, as a server that gave up on them, and lets new ones through again.
   */
  public void hold(boolean hold) {
    holding = hold;
    if (!hold) {
      held.forEach(NetSocket::close);
    }
  }

  /**
   * Stops passing bytes, both ways, on the connections open now, closing none of them: a
   * statement under way gets no answer, as from a server that hangs or a network that drops
   * everything. New connections still pass.
   */
  public void freeze() {
    open.forEach(NetSocket::pause);
  }

  /** Cuts every connection through the proxy, as a crashed server would. */
  public void cutAll() {
    open.forEach(NetSocket::close);
  }

  public Future<Void> close() {
    return server.close().eventually(client::close);
  }
}
