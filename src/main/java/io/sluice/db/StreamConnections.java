package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.spi.PgDriver;
import io.vertx.sqlclient.spi.ConnectionFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens the connections streams read on: one of its own per stream, closed (never pooled)
 * when the stream is done. Closing is then a real release: a cancel request that lands late
 * can hit no other stream's query, and a connection that stops answering is dropped rather
 * than handed on. Sockets use TCP keepalive and, where the native transport runs, {@code
 * TCP_USER_TIMEOUT}.
 *
 * <p>A database that takes the socket but never answers must not cost a socket per attempt.
 * Each attempt has a client of its own, so that giving up on it closes its socket, and the
 * whole handshake gets {@code connectTimeoutMs}: then the socket is closed, and only once it
 * is closed does the attempt fail, so the caller's admission permit goes back after the socket
 * did. On top of that, at most {@code maxSockets} sockets are open or opening at once; one more
 * attempt fails at once, as the database being unavailable.
 */
public final class StreamConnections {

  private static final int TCP_USER_TIMEOUT_MS = 30_000;
  /** How long a closing connection may take to say goodbye before its socket is closed anyway. */
  private static final long SESSION_CLOSE_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final NetClientOptions tcp;
  private final long handshakeTimeoutMs;
  private final int maxSockets;
  /** Sockets open or opening: an attempt counts from its start until its client is closed. */
  private final AtomicInteger sockets = new AtomicInteger();
  /** The client behind each connection handed out, closed with it. */
  private final Map<PgConnection, ConnectionFactory<PgConnectOptions>> clients = new ConcurrentHashMap<>();

  private StreamConnections(Vertx vertx, PgConnectOptions options, NetClientOptions tcp, long handshakeTimeoutMs, int maxSockets) {
    this.vertx = vertx;
    this.options = options;
    this.tcp = tcp;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
    this.maxSockets = maxSockets;
  }

  /** Connections to {@code config}'s database, at most {@code maxSockets} open or opening at once. */
  public static StreamConnections create(Vertx vertx, DatabaseConfig config, int maxSockets) {
    NetClientOptions tcp = new NetClientOptions()
        .setConnectTimeout(config.connectTimeoutMs())
        .setTcpKeepAlive(true)
        .setTcpUserTimeout(TCP_USER_TIMEOUT_MS);
    return new StreamConnections(vertx, Database.connectOptions(config), tcp, config.connectTimeoutMs(), maxSockets);
  }

  /**
   * A new connection, on the caller's context; failures are {@link DatabaseUnavailableException}s.
   * The whole handshake (TCP, startup, authentication) gets {@code connectTimeoutMs}: a server
   * that takes the socket but never answers must not keep a stream, its admission permit or
   * its socket for ever. Close it with {@link #close(PgConnection)}.
   */
  public Future<PgConnection> open() {
    if (sockets.incrementAndGet() > maxSockets) {
      sockets.decrementAndGet();
      return Future.failedFuture(new DatabaseUnavailableException("all " + maxSockets
          + " sockets this process opens toward the database for streams are open or still closing"));
    }
    return new Attempt(vertx.getOrCreateContext()).run();
  }

  /**
   * Closes a connection {@link #open()} gave: the session (bounded), then its socket, whatever
   * the session did; completes once the socket is closed.
   */
  public Future<Void> close(PgConnection connection) {
    ConnectionFactory<PgConnectOptions> client = clients.remove(connection);
    Future<Void> session = connection.close().timeout(SESSION_CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwiseEmpty();
    return client == null ? session : session.eventually(() -> closeClient(client));
  }

  /** Sockets open or opening now. */
  public int sockets() {
    return sockets.get();
  }

  /** Closes what streams left open; streams close their own connections as they end. */
  public Future<Void> close() {
    return Future.join(clients.keySet().stream().map(this::close).toList()).mapEmpty();
  }

  private Future<Void> closeClient(ConnectionFactory<PgConnectOptions> client) {
    Promise<Void> closed = Promise.promise();
    client.close(closed);
    return closed.future().otherwiseEmpty().andThen(ar -> sockets.decrementAndGet());
  }

  /** One connection attempt on a client of its own, so that giving up on it closes its socket. */
  private final class Attempt {
    private final Context context;
    private final ConnectionFactory<PgConnectOptions> client = PgDriver.INSTANCE.createConnectionFactory(vertx, tcp);
    private final Promise<PgConnection> opened = Promise.promise();
    /** The attempt succeeded or was given up: whatever comes later is too late. Touched on {@link #context} only. */
    private boolean over;

    Attempt(Context context) {
      this.context = context;
    }

    Future<PgConnection> run() {
      if (Vertx.currentContext() == context) {
        start();
      } else {
        context.runOnContext(v -> start());
      }
      return opened.future();
    }

    /** On {@link #context}: the deadline and the handshake, whichever ends first. */
    private void start() {
      long timer = vertx.setTimer(handshakeTimeoutMs, id -> giveUp(new TimeoutException(
          "the database did not complete the connection handshake within " + handshakeTimeoutMs + " ms")));
      client.connect(context, options).map(PgConnection::cast).onComplete(connected -> {
        vertx.cancelTimer(timer);
        if (over) {
          return; // given up: its client, and the socket with it, is closing already
        }
        if (connected.failed()) {
          giveUp(connected.cause());
          return;
        }
        over = true;
        clients.put(connected.result(), client);
        opened.complete(connected.result());
      });
    }

    /** Closes the attempt's socket, then fails on the caller's context: whatever waits on it goes on once the socket is gone. */
    private void giveUp(Throwable why) {
      if (over) {
        return;
      }
      over = true;
      closeClient(client).onComplete(ar -> context.runOnContext(v -> opened.fail(new DatabaseUnavailableException(why))));
    }
  }
}
