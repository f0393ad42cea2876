package io.sluice.support;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking client of the TCP event-bus bridge for tests: each frame is a 4-byte big-endian
 * length and that many bytes of JSON, both ways.
 */
public final class BridgeSocket implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;

  private BridgeSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(socket.getOutputStream());
  }

  public static BridgeSocket connect(int port) {
    try {
      return new BridgeSocket(new Socket("127.0.0.1", port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public BridgeSocket send(JsonObject frame) {
    byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
    try {
      out.writeInt(json.length);
      out.write(json);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A {@code send} frame, with the Sluice frame kind as header when {@code kind} is not null. */
  public BridgeSocket send(String address, String kind, Object body) {
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body);
    if (kind != null) {
      frame.put("headers", new JsonObject().put("sluice-frame", kind));
    }
    return send(frame);
  }

  public BridgeSocket register(String address) {
    return send(new JsonObject().put("type", "register").put("address", address));
  }

  /** The next frame, or null if none came within {@code timeout}. */
  public JsonObject read(Duration timeout) {
    try {
      socket.setSoTimeout((int) timeout.toMillis());
      int length = in.readInt();
      byte[] json = in.readNBytes(length);
      return new JsonObject(new String(json, StandardCharsets.UTF_8));
    } catch (SocketTimeoutException none) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame; fails if none comes within 10 seconds. */
  public JsonObject read() {
    JsonObject frame = read(Duration.ofSeconds(10));
    if (frame == null) {
      throw new AssertionError("no frame from the bridge within 10 s");
    }
    return frame;
  }

  /** The frames that come until none has for {@code quiet}, or the connection ends. */
  public List<JsonObject> readUntilSilent(Duration quiet) {
    List<JsonObject> frames = new ArrayList<>();
    try {
      for (JsonObject frame = read(quiet); frame != null; frame = read(quiet)) {
        frames.add(frame);
      }
    } catch (UncheckedIOException ended) {
      // the bridge closed the connection
    }
    return frames;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
