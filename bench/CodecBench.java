import io.sluice.cluster.VertxNodes;
import io.sluice.config.SluiceConfig;
import io.sluice.protocol.Frames;
import io.sluice.protocol.RowBatch;
import io.sluice.protocol.RowBatchCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Event-bus batch encodings across two cluster nodes: joins a Sluice cluster as a node of its
 * own (no Sluice on it, only the batch codec), and in every round reads a whole dataset from
 * the cursor stage of another node, once with {@code "encoding": "binary"} (RowBatchCodec) and
 * once with {@code "encoding": "json"} (JSON batches), alternating which goes first. It speaks
 * the raw protocol of docs/protocol.md (open frame, a credit window, one credit back per batch
 * as it arrives, pings when idle), times each stream from the open to its {@code end}, counts
 * the rows in the batches and the bytes of the data frames read off the wire (the event bus's
 * own count, taken by a metrics SPI that only adds numbers), and fails loudly when a batch is
 * out of sequence or the rows counted are not what {@code end} says. With {@code --copy-cmd}
 * it also times a shell command (psql's \copy) in every round, before the two streams.
 *
 * <pre>
 * java $HAZELCAST_FLAGS -cp target/sluice.jar bench/CodecBench.java \
 *     --members 127.0.0.1:5791,127.0.0.1:5792 --port 5792 --dataset transactions_raw --warmup 1 --rounds 5
 * </pre>
 *
 * Options (all optional): --members host:port,... (the cluster's Hazelcast members, this node
 * included), --host and --port (where this node listens), --cluster-name (default sluice),
 * --dataset, --limit, --warmup, --rounds, --window (credits ahead, default 4), --lease-ms,
 * --timeout-s (per stream), --copy-cmd (a bash command whose stdout is a byte count),
 * --producer-pid and --clock-ticks (the producer JVM's pid and getconf CLK_TCK: the CPU seconds
 * it spends on each stream, from /proc, are reported beside this node's own), --results (a TSV
 * file of every round). Streams run on one Vert.x context, driven by handlers and futures;
 * only the main thread waits, between streams, and runs the copy command.
 */
public class CodecBench {

  private static final String BINARY = "binary";
  private static final String JSON = "json";
  private static final String COPY = "copy";

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = options(args);
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "1"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "5"));
    int window = Integer.parseInt(opt.getOrDefault("window", "4"));
    long leaseMs = Long.parseLong(opt.getOrDefault("lease-ms", "10000"));
    long timeoutS = Long.parseLong(opt.getOrDefault("timeout-s", "600"));
    String dataset = opt.getOrDefault("dataset", "transactions_raw");
    String copyCmd = opt.get("copy-cmd");
    long producerPid = Long.parseLong(opt.getOrDefault("producer-pid", "-1"));
    long clockTicks = Long.parseLong(opt.getOrDefault("clock-ticks", "100"));
    JsonObject request = new JsonObject().put("dataset", dataset).put("params", new JsonObject());
    if (opt.containsKey("limit")) {
      request.put("limit", Long.parseLong(opt.get("limit")));
    }

    String host = opt.getOrDefault("host", "127.0.0.1");
    int port = Integer.parseInt(opt.getOrDefault("port", "5799"));
    JsonArray members = new JsonArray();
    Arrays.stream(opt.getOrDefault("members", "127.0.0.1:5701," + host + ":" + port).split(",")).forEach(members::add);
    JsonObject cluster = new JsonObject().put("enabled", true).put("name", opt.getOrDefault("cluster-name", "sluice"))
        .put("host", host).put("port", port).put("members", members);

    WireBytes wire = new WireBytes();
    VertxOptions vertxOptions = new VertxOptions().setMetricsOptions(new MetricsOptions().setEnabled(true));
    Vertx vertx = VertxNodes.create(SluiceConfig.from(new JsonObject().put("cluster", cluster)).cluster(), vertxOptions,
        options -> wire).await(120, TimeUnit.SECONDS);
    // what SluiceClient.create does: the node that receives RowBatch frames needs the codec
    vertx.eventBus().registerDefaultCodec(RowBatch.class, new RowBatchCodec());
    Context context = vertx.getOrCreateContext();

    List<String[]> results = new ArrayList<>();
    int failures = 0;
    try {
      for (int round = 1; round <= warmup + rounds; round++) {
        String phase = round <= warmup ? "warmup" : "run";
        int n = round <= warmup ? round : round - warmup;
        if (copyCmd != null) {
          long t0 = System.nanoTime();
          long bytes = runCopy(copyCmd, timeoutS);
          double seconds = (System.nanoTime() - t0) / 1e9;
          report(results, phase, n, COPY, -1, bytes, seconds, -1, -1, -1);
        }
        List<String> order = round % 2 == 1 ? List.of(BINARY, JSON) : List.of(JSON, BINARY);
        for (String encoding : order) {
          Stream stream = round == 1 ? openWithRetry(vertx, context, wire, request, encoding, window, leaseMs)
              : new Stream(vertx, context, wire, request, encoding, window, leaseMs, phase + "-" + n + "-" + encoding);
          double producer0 = cpuSeconds(producerPid, clockTicks);
          double self0 = selfCpuSeconds();
          Outcome out = stream.run().await(timeoutS, TimeUnit.SECONDS);
          double producerCpu = producerPid < 0 ? -1 : cpuSeconds(producerPid, clockTicks) - producer0;
          report(results, phase, n, encoding, out.rows, out.bytes, out.seconds, out.batches, producerCpu, selfCpuSeconds() - self0);
        }
      }
    } catch (Exception failure) {
      failures++;
      System.err.println("codec-bench: FAILED: " + failure);
      failure.printStackTrace();
    } finally {
      if (opt.containsKey("results")) {
        writeResults(Path.of(opt.get("results")), results);
      }
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (failures > 0) {
      System.exit(1);
    }
    summary(results);
    System.exit(0);
  }

  /**
   * The first stream also finds the producer: right after this node joins, the cluster-wide
   * open address may not be known here yet (NO_HANDLERS), so it is opened again for up to 30 s.
   */
  private static Stream openWithRetry(Vertx vertx, Context context, WireBytes wire, JsonObject request, String encoding, int window,
      long leaseMs) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Stream stream = new Stream(vertx, context, wire, request, encoding, window, leaseMs, "warmup-1-" + encoding);
      try {
        stream.open().await(leaseMs + 5_000, TimeUnit.MILLISECONDS);
        return stream;
      } catch (ReplyException noProducer) {
        if (noProducer.failureType() != ReplyFailure.NO_HANDLERS || System.nanoTime() > deadline) {
          throw noProducer;
        }
        System.err.println("codec-bench: nobody serves " + Frames.SOURCE_OPEN + " yet; trying again");
        Thread.sleep(500);
      }
    }
  }

  private static long runCopy(String command, long timeoutS) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", "set -o pipefail; " + command)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the copy command took more than " + timeoutS + " s");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("the copy command exited with " + process.exitValue());
    }
    return Long.parseLong(new String(out, StandardCharsets.UTF_8).strip());
  }

  private static void report(List<String[]> results, String phase, int n, String kind, long rows, long bytes, double seconds,
      long batches, double producerCpu, double selfCpu) {
    String[] row = {phase, Integer.toString(n), kind, Long.toString(rows), Long.toString(bytes), String.format(Locale.ROOT, "%.6f", seconds),
        Long.toString(batches), String.format(Locale.ROOT, "%.2f", producerCpu), String.format(Locale.ROOT, "%.2f", selfCpu)};
    results.add(row);
    if (kind.equals(COPY)) {
      System.out.printf(Locale.ROOT, "codec-bench: %s %d %-6s %9.3f s  bytes %d%n", phase, n, kind, seconds, bytes);
    } else {
      System.out.printf(Locale.ROOT, "codec-bench: %s %d %-6s %9.3f s  rows %d  bytes %d  batches %d  %.0f rows/s  %.1f B/row"
          + "  cpu: producer %.2f s, this node %.2f s%n", phase, n, kind, seconds, rows, bytes, batches, rows / seconds, (double) bytes / rows,
          producerCpu, selfCpu);
    }
  }

  /** User and system CPU seconds of process {@code pid} so far, from /proc (-1 when there is no such pid to watch). */
  private static double cpuSeconds(long pid, long clockTicks) throws IOException {
    if (pid < 0) {
      return -1;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) clockTicks;
  }

  private static double selfCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  private static void writeResults(Path file, List<String[]> results) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      out.println("phase\tround\tkind\trows\tbytes\tseconds\tbatches\tproducer_cpu_s\tconsumer_cpu_s");
      results.forEach(r -> out.println(String.join("\t", r)));
    }
  }

  /** Medians of the measured rounds, and binary/json per round. */
  private static void summary(List<String[]> results) {
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    Map<Integer, Map<String, Double>> byRound = new LinkedHashMap<>();
    for (String[] r : results) {
      if (!r[0].equals("run") || r[2].equals(COPY)) {
        continue;
      }
      double rate = Long.parseLong(r[3]) / Double.parseDouble(r[5]);
      rates.computeIfAbsent(r[2], k -> new ArrayList<>()).add(rate);
      byRound.computeIfAbsent(Integer.parseInt(r[1]), k -> new LinkedHashMap<>()).put(r[2], rate);
    }
    if (!rates.containsKey(BINARY) || !rates.containsKey(JSON)) {
      return;
    }
    double binary = median(rates.get(BINARY));
    double json = median(rates.get(JSON));
    List<Double> perRound = byRound.values().stream().filter(m -> m.size() == 2).map(m -> m.get(BINARY) / m.get(JSON)).toList();
    System.out.printf(Locale.ROOT, "codec-bench: median rows/s  binary %.0f  json %.0f  binary/json %.2f (per round: %s)%n",
        binary, json, binary / json, perRound.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        throw new IllegalArgumentException("usage: --name value ...; got '" + args[i] + "'");
      }
      opt.put(args[i].substring(2), args[++i]);
    }
    return opt;
  }

  /** What one stream measured. */
  record Outcome(long rows, long bytes, long batches, double seconds) {}

  /**
   * Bytes of the clustered event-bus messages this node reads, for the addresses being
   * watched: each message's frame as Vert.x reads it off the TCP connection (headers,
   * addresses and body; the 4-byte length in front of each frame is not counted).
   */
  static final class WireBytes implements VertxMetrics, EventBusMetrics<Void> {
    private final Map<String, LongAdder> watched = new ConcurrentHashMap<>();

    @Override
    public EventBusMetrics<Void> createEventBusMetrics() {
      return this;
    }

    @Override
    public void messageRead(String address, int numberOfBytes) {
      LongAdder bytes = watched.get(address);
      if (bytes != null) {
        bytes.add(numberOfBytes);
      }
    }

    void watch(String address) {
      watched.put(address, new LongAdder());
    }

    long unwatch(String address) {
      LongAdder bytes = watched.remove(address);
      return bytes == null ? 0 : bytes.sum();
    }
  }

  /**
   * One stream at the cursor stage, read to its end on {@code context}: the consumer end of
   * the protocol, by hand. Every handler runs on that one context; nothing here blocks.
   */
  static final class Stream {
    private final Vertx vertx;
    private final Context context;
    private final EventBus bus;
    private final WireBytes wire;
    private final JsonObject request;
    private final String encoding;
    private final int window;
    private final long leaseMs;
    private final String requestId;
    private final String id = UUID.randomUUID().toString();
    private final String data = Frames.dataAddress(id);
    private final Promise<Outcome> done = Promise.promise();
    private Future<Void> opened;
    private MessageConsumer<Object> inbox;
    private String control;
    private long timer = -1;
    private long start;
    private long lastHeard;
    private long lastSent;
    private long expectedSeq = 1;
    private long rows;
    private long batches;
    /** Credits owed for batches that arrived before the open's reply gave the control address. */
    private long owed;

    Stream(Vertx vertx, Context context, WireBytes wire, JsonObject request, String encoding, int window, long leaseMs, String requestId) {
      this.vertx = vertx;
      this.context = context;
      this.bus = vertx.eventBus();
      this.wire = wire;
      this.request = request;
      this.encoding = encoding;
      this.window = window;
      this.leaseMs = leaseMs;
      this.requestId = "codec-bench-" + requestId;
    }

    /** Listens on the data address, then sends the open frame; completes with the producer's reply. */
    Future<Void> open() {
      Promise<Void> accepted = Promise.promise();
      context.runOnContext(v -> {
        wire.watch(data);
        inbox = bus.consumer(data, this::onFrame);
        JsonObject open = new JsonObject()
            .put("stream", id)
            .put("replyTo", data)
            .put("request", request)
            .put("credits", window)
            .put("leaseMs", leaseMs)
            .put("requestId", requestId)
            .put("encoding", encoding);
        inbox.completion()
            .compose(registered -> {
              start = lastHeard = lastSent = System.nanoTime();
              return bus.<JsonObject>request(Frames.SOURCE_OPEN, open, new DeliveryOptions().setSendTimeout(leaseMs));
            })
            .onSuccess(reply -> {
              control = reply.body().getString("control");
              if (owed > 0) {
                credit(owed);
                owed = 0;
              }
              timer = vertx.setPeriodic(Math.max(leaseMs / 3, 10), id -> checkLease());
              accepted.complete();
            })
            .onFailure(err -> {
              close();
              accepted.fail(err);
            });
      });
      opened = accepted.future();
      return opened;
    }

    /** Reads the stream to its end, opening it first unless {@link #open} was called; fails on any mismatch. */
    Future<Outcome> run() {
      (opened == null ? open() : opened).onFailure(done::tryFail);
      return done.future();
    }

    private void onFrame(Message<Object> frame) {
      if (done.future().isComplete()) {
        return;
      }
      lastHeard = System.nanoTime();
      try {
        String kind = frame.headers().get(Frames.KIND);
        switch (kind == null ? "" : kind) {
          case Frames.BATCH -> batch(frame.body());
          case Frames.END -> end((JsonObject) frame.body(), lastHeard);
          case Frames.ERROR -> fail("the producer sent error " + frame.body());
          case Frames.STARTED, Frames.PING -> { }
          default -> fail("unexpected frame '" + kind + "'");
        }
      } catch (RuntimeException broken) {
        cancel();
        fail("bad frame: " + broken);
      }
    }

    private void batch(Object body) {
      long seq;
      int size;
      if (encoding.equals(BINARY)) {
        RowBatch batch = (RowBatch) body;             // ClassCastException if the producer sent JSON
        seq = batch.seq();
        size = batch.size();
      } else {
        JsonObject batch = (JsonObject) body;
        seq = batch.getLong("seq");
        size = batch.getJsonArray("rows").size();
      }
      if (seq != expectedSeq) {
        cancel();
        fail("expected batch " + expectedSeq + ", got " + seq);
        return;
      }
      expectedSeq++;
      batches++;
      rows += size;
      if (control == null) {
        owed++;
      } else {
        credit(1);
      }
    }

    private void end(JsonObject end, long at) {
      long seq = end.getLong("seq", -1L);
      long announced = end.getLong("rows", -1L);
      if (seq != expectedSeq - 1 || announced != rows) {
        fail("end says " + announced + " rows in " + seq + " batches, but " + rows + " rows in " + (expectedSeq - 1) + " batches arrived");
        return;
      }
      long bytes = wire.unwatch(data);
      close();
      done.tryComplete(new Outcome(rows, bytes, batches, (at - start) / 1e9));
    }

    private void credit(long n) {
      send(Frames.CREDIT, new JsonObject().put("n", n));
    }

    private void cancel() {
      send(Frames.CANCEL, null);
    }

    private void send(String kind, JsonObject body) {
      if (control != null) {
        lastSent = System.nanoTime();
        bus.send(control, body, new DeliveryOptions().addHeader(Frames.KIND, kind));
      }
    }

    private void checkLease() {
      long now = System.nanoTime();
      if (now - lastHeard > TimeUnit.MILLISECONDS.toNanos(leaseMs)) {
        cancel();
        fail("producer silent for " + leaseMs + " ms");
      } else if (now - lastSent >= TimeUnit.MILLISECONDS.toNanos(leaseMs) / 3) {
        send(Frames.PING, null);
      }
    }

    private void fail(String why) {
      close();
      done.tryFail(new IllegalStateException(encoding + " stream " + id + ": " + why));
    }

    private void close() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      if (inbox != null) {
        inbox.unregister();
      }
      wire.unwatch(data);
    }
  }
}
