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
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens the connections streams read on: one of its own per stream at a time. Sockets use TCP
 * keepalive and, where the native transport runs, {@code TCP_USER_TIMEOUT}.
 *
 * <p>Up to {@code warm} connections are kept open ahead of streams ({@code database.warmConnections}),
 * so that a new stream does not pay for a new session (a backend forked and initialised, tens of
 * milliseconds of the server's CPU) before its first row: fresh ones opened one at a time in the
 * background, and those whose stream ended cleanly, handed back with {@link #release(PgConnection,
 * boolean)}. A connection is handed on only if no cancel request was ever sent on it (one that landed
 * late could hit the next stream's query) and its session answered {@code ROLLBACK} and {@code
 * DISCARD ALL} within a second (nothing of the last stream survives, and it still answers); any
 * other is closed. Connections in use and kept together stay within {@code warm} (the reserve
 * shrinks as streams take them), and a connection answers on the event loop it was opened on, so
 * each event loop that asked for one has a reserve of its own. With {@code warm} 0 every stream
 * opens a connection and closes it when done.
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
  /** The event loop each connection answers on, where it was opened. */
  private final Map<PgConnection, Thread> homes = new ConcurrentHashMap<>();
  /** The most connections in use and kept open ahead of streams together. */
  private final int warm;
  /**
   * Connections kept open ahead of streams, by the event loop they answer on (each message a stage
   * handles runs on a context of its own, on its verticle's event loop); guarded by {@code this}, as
   * are the counts below and {@link #loops}.
   */
  private final Map<Thread, Deque<PgConnection>> idle = new HashMap<>();
  /** A context of each event loop streams asked for connections on: where the reserve's connections are opened. */
  private final Map<Thread, Context> loops = new HashMap<>();
  private int idleCount;
  /** Connections handed out (or being opened for a caller) and not yet released. */
  private int inUse;
  private boolean refilling;
  private long refillPausedUntilNanos;
  private boolean closed;
  /** Turns for the bulk fetches of the streams reading on these connections. */
  private final FetchTurns turns;

  private StreamConnections(Vertx vertx, PgConnectOptions options, NetClientOptions tcp, long handshakeTimeoutMs, int maxSockets, int warm,
      int concurrentFetches) {
    this.vertx = vertx;
    this.options = options;
    this.tcp = tcp;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
    this.maxSockets = maxSockets;
    this.warm = Math.max(0, Math.min(warm, maxSockets));
    this.turns = new FetchTurns(vertx, concurrentFetches);
  }

  /** Connections to {@code config}'s database, at most {@code maxSockets} open or opening at once, none kept ahead. */
  public static StreamConnections create(Vertx vertx, DatabaseConfig config, int maxSockets) {
    return create(vertx, config, maxSockets, 0);
  }

  /**
   * Connections to {@code config}'s database, at most {@code maxSockets} open or opening at once, up to {@code warm} kept ahead;
   * the streams reading on them fetch {@code config.concurrentFetches()} at a time.
   */
  public static StreamConnections create(Vertx vertx, DatabaseConfig config, int maxSockets, int warm) {
    NetClientOptions tcp = new NetClientOptions()
        .setConnectTimeout(config.connectTimeoutMs())
        .setTcpKeepAlive(true)
        .setTcpUserTimeout(TCP_USER_TIMEOUT_MS);
    return new StreamConnections(vertx, Database.connectOptions(config), tcp, config.connectTimeoutMs(), maxSockets, warm,
        config.concurrentFetches());
  }

  /**
   * A connection on the caller's context: one kept ahead for that context if there is one, else
   * a new one; failures are {@link DatabaseUnavailableException}s. The whole handshake of a new
   * one (TCP, startup, authentication) gets {@code connectTimeoutMs}: a server that takes the
   * socket but never answers must not keep a stream, its admission permit or its socket for
   * ever. Give it back with {@link #release(PgConnection, boolean)} (or {@link #close(PgConnection)}).
   */
  public Future<PgConnection> open() {
    Context context = vertx.getOrCreateContext();
    PgConnection kept;
    PgConnection evicted = null;
    synchronized (this) {
      inUse++;
      Deque<PgConnection> reserve = reserveHere(context);
      kept = reserve == null ? null : reserve.pollFirst();
      if (kept != null) {
        idleCount--;
      } else if (inUse + idleCount + (refilling ? 1 : 0) > warm || sockets.get() >= maxSockets) {
        // a connection kept for another event loop makes room: in use and kept stay within warm, the sockets within maxSockets
        evicted = takeIdleOfLargestReserve();
      }
    }
    if (kept != null) {
      kept.closeHandler(null);
      refill();
      return Future.succeededFuture(kept);
    }
    Future<Void> room = evicted == null ? Future.succeededFuture() : discard(evicted);
    return room.compose(v -> openNew(context)).onFailure(err -> {
      synchronized (this) {
        inUse--;
      }
    }).andThen(ar -> refill());
  }

  private Future<PgConnection> openNew(Context context) {
    if (sockets.incrementAndGet() > maxSockets) {
      sockets.decrementAndGet();
      return Future.failedFuture(new DatabaseUnavailableException("all " + maxSockets
          + " sockets this process opens toward the database for streams are open or still closing"));
    }
    return new Attempt(context).run();
  }

  /**
   * Gives back a connection {@link #open()} gave. A {@code reusable} one (its stream sent no
   * cancel request and ended with no statement running) is kept for the next stream if the
   * reserve has room and its session answers {@code ROLLBACK} and {@code DISCARD ALL} in time;
   * any other is closed. Completes once it is kept or its socket closed.
   */
  public Future<Void> release(PgConnection connection, boolean reusable) {
    connection.closeHandler(null);
    connection.exceptionHandler(err -> {});
    synchronized (this) {
      inUse--;
      reusable = reusable && !closed && inUse + idleCount < warm;
    }
    if (!reusable) {
      return discard(connection).andThen(ar -> refill());
    }
    Thread loop = homes.get(connection);
    // pipelined: one round trip; nothing the last stream set or prepared survives
    Future<?> rolledBack = connection.query("ROLLBACK").execute();
    Future<?> discarded = connection.query("DISCARD ALL").execute();
    return Future.all(rolledBack, discarded).timeout(SESSION_CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .transform(ar -> ar.succeeded() && loop != null && keep(loop, connection) ? Future.succeededFuture() : discard(connection))
        .andThen(ar -> refill());
  }

  /** Closes a connection {@link #open()} gave, never keeping it: see {@link #release(PgConnection, boolean)}. */
  public Future<Void> close(PgConnection connection) {
    return release(connection, false);
  }

  /** Streams will ask for connections on the caller's event loop: its reserve is filled from now on. */
  public void warmHere() {
    Context context = vertx.getOrCreateContext();
    synchronized (this) {
      reserveHere(context);
    }
    refill();
  }

  /** The reserve of the calling event loop, made if it has none; null off an event loop. Holding {@code this}. */
  private Deque<PgConnection> reserveHere(Context context) {
    if (!Context.isOnEventLoopThread()) {
      return null;
    }
    Thread loop = Thread.currentThread();
    loops.putIfAbsent(loop, context);
    return idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
  }

  /** Turns for the bulk fetches of the streams that read on this server. */
  public FetchTurns turns() {
    return turns;
  }

  /** Sockets open or opening now, those kept ahead of streams included. */
  public int sockets() {
    return sockets.get();
  }

  /** Connections kept open ahead of streams now. */
  public synchronized int kept() {
    return idleCount;
  }

  /** Connections handed out (or being opened for a stream) now. */
  public synchronized int inUse() {
    return inUse;
  }

  /** Closes what streams left open and what was kept ahead of them; streams close their own connections as they end. */
  public Future<Void> close() {
    synchronized (this) {
      closed = true;
      idle.values().forEach(Deque::clear);
      idleCount = 0;
    }
    return Future.join(clients.keySet().stream().map(this::discard).toList()).mapEmpty();
  }

  /** The session (bounded), then its socket, whatever the session did; completes once the socket is closed. */
  private Future<Void> discard(PgConnection connection) {
    ConnectionFactory<PgConnectOptions> client = clients.remove(connection);
    homes.remove(connection);
    Future<Void> session = connection.close().timeout(SESSION_CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwiseEmpty();
    return client == null ? session : session.eventually(() -> closeClient(client));
  }

  /** Keeps a connection for the next stream on event loop {@code loop}, if the reserve still has room; false if it has none. */
  private boolean keep(Thread loop, PgConnection connection) {
    synchronized (this) {
      if (closed || inUse + idleCount >= warm) {
        return false;
      }
      idle.computeIfAbsent(loop, l -> new ArrayDeque<>()).addLast(connection);
      idleCount++;
    }
    // the server may end a kept session (a restart, pg_terminate_backend): it leaves the reserve at once
    connection.exceptionHandler(err -> {});
    connection.closeHandler(v -> {
      boolean removed;
      synchronized (this) {
        removed = idle.getOrDefault(loop, new ArrayDeque<>()).remove(connection);
        if (removed) {
          idleCount--;
        }
      }
      if (removed) {
        discard(connection);
      }
    });
    return true;
  }

  /** The kept connection of the event loop that has the most; null if none is kept. Holding {@code this}. */
  private PgConnection takeIdleOfLargestReserve() {
    Deque<PgConnection> largest = idle.values().stream().max(Comparator.comparingInt(Deque::size)).orElse(null);
    PgConnection taken = largest == null ? null : largest.pollFirst();
    if (taken != null) {
      idleCount--;
    }
    return taken;
  }

  /**
   * Opens one more connection ahead of streams, one at a time, for the event loop whose reserve is
   * smallest, while connections in use and kept stay under {@code warm}. After a failure it waits
   * a second before trying again, so a database that is down costs no more than that.
   */
  private void refill() {
    Context context;
    Thread loop;
    synchronized (this) {
      if (warm == 0 || closed || refilling || inUse + idleCount >= warm || idle.isEmpty() || sockets.get() >= maxSockets
          || System.nanoTime() < refillPausedUntilNanos) {
        return;
      }
      loop = idle.entrySet().stream().min(Comparator.comparingInt(e -> e.getValue().size())).orElseThrow().getKey();
      context = loops.get(loop);
      refilling = true;
    }
    openNew(context).onComplete(ar -> {
      boolean again;
      synchronized (this) {
        refilling = false;
        if (ar.failed()) {
          refillPausedUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
          vertx.setTimer(1_000, id -> refill());
        }
        again = ar.succeeded();
      }
      if (ar.succeeded() && !keep(loop, ar.result())) {
        discard(ar.result());
      }
      if (again) {
        refill();
      }
    });
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
        homes.put(connected.result(), Thread.currentThread());
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
