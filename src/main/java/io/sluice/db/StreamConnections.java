package io.sluice.db;

import io.sluice.config.DatabaseConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.spi.PgDriver;
import io.vertx.sqlclient.spi.ConnectionFactory;
import java.util.concurrent.TimeoutException;

/**
 * Opens the connections streams read on: one of its own per stream, closed (never pooled)
 * when the stream is done. Closing is then a real release: a cancel request that lands late
 * can hit no other stream's query, and a connection that stops answering is dropped rather
 * than handed on. Sockets use TCP keepalive and, where the native transport runs, {@code
 * TCP_USER_TIMEOUT}.
 */
public final class StreamConnections {

  private static final int TCP_USER_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final ConnectionFactory<PgConnectOptions> factory;
  private final long handshakeTimeoutMs;

  private StreamConnections(Vertx vertx, PgConnectOptions options, ConnectionFactory<PgConnectOptions> factory, long handshakeTimeoutMs) {
    this.vertx = vertx;
    this.options = options;
    this.factory = factory;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
  }

  public static StreamConnections create(Vertx vertx, DatabaseConfig config) {
    NetClientOptions tcp = new NetClientOptions()
        .setConnectTimeout(config.connectTimeoutMs())
        .setTcpKeepAlive(true)
        .setTcpUserTimeout(TCP_USER_TIMEOUT_MS);
    return new StreamConnections(vertx, Database.connectOptions(config), PgDriver.INSTANCE.createConnectionFactory(vertx, tcp),
        config.connectTimeoutMs());
  }

  /**
   * A new connection, on the caller's context; failures are {@link DatabaseUnavailableException}s.
   * The whole handshake (TCP, startup, authentication) gets {@code connectTimeoutMs}: a server
   * that takes the socket but never answers must not keep a stream, and its admission permit,
   * waiting for ever. A connection that arrives after it gave up is closed.
   */
  public Future<PgConnection> open() {
    Promise<PgConnection> opened = Promise.promise();
    long timer = vertx.setTimer(handshakeTimeoutMs, id -> opened.tryFail(new DatabaseUnavailableException(
        new TimeoutException("the database did not complete the connection handshake within " + handshakeTimeoutMs + " ms"))));
    factory.connect(vertx.getOrCreateContext(), options).map(PgConnection::cast).onComplete(connected -> {
      vertx.cancelTimer(timer);
      if (connected.failed()) {
        opened.tryFail(new DatabaseUnavailableException(connected.cause()));
      } else if (!opened.tryComplete(connected.result())) {
        connected.result().close();
      }
    });
    return opened.future();
  }

  /** Closes the factory; connections already open stay open until their streams close them. */
  public Future<Void> close() {
    Promise<Void> closed = Promise.promise();
    factory.close(closed);
    return closed.future();
  }
}
