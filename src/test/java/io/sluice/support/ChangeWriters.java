package io.sluice.support;

import java.sql.Connection;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers on a thread of their own for the follow tests: single changes, and transactions of two
 * to five, each statement what {@link #change(Random)} says (seeded), until {@link #close()}.
 * A test's writers extend it with the changes of its table, then call {@link #start()}.
 */
public abstract class ChangeWriters implements AutoCloseable {

  /** Transactions committed so far. */
  public final AtomicLong done = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Callable<Connection> connect;
  private final Random random;
  private Thread thread;

  protected ChangeWriters(Callable<Connection> connect, long seed) {
    this.connect = connect;
    this.random = new Random(seed);
  }

  /** The next statement: an insert, an update, a delete... */
  protected abstract String change(Random random);

  /** Starts writing; once, at the end of the subclass's constructor. */
  protected final void start() {
    thread = new Thread(this::write, "writers");
    thread.start();
  }

  private void write() {
    try (Connection connection = connect.call()) {
      while (!stop.get()) {
        connection.setAutoCommit(random.nextInt(4) != 0);
        int changes = connection.getAutoCommit() ? 1 : 2 + random.nextInt(4);
        try (var statement = connection.createStatement()) {
          for (int i = 0; i < changes; i++) {
            statement.execute(change(random));
          }
        }
        if (!connection.getAutoCommit()) {
          connection.commit();
        }
        done.incrementAndGet();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops writing, after the transaction under way. */
  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(10_000);
  }
}
