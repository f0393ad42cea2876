package io.sluice.bridge;

import io.sluice.protocol.BatchEncoding;
import io.sluice.protocol.Frames;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides every frame a bridge client sends, on top of the allow-list: a client owns the
 * streams it opens (ids no other client holds, data going to the stream's own data address),
 * may register only their data addresses and send only to their control addresses, and gets
 * its batches as JSON. When its socket closes, its streams are cancelled at once, so their
 * producers release their database connections without waiting for the lease.
 *
 * <p>Runs on the bridge verticle's event loop only.
 */
final class BridgeGuard {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeGuard.class);

  private final Vertx vertx;
  /** Each connected client's streams, by socket. */
  private final Map<NetSocket, Set<String>> clients = new HashMap<>();
  /** Each bridge stream's client. */
  private final Map<String, NetSocket> owners = new HashMap<>();

  BridgeGuard(Vertx vertx) {
    this.vertx = vertx;
  }

  void handle(BridgeEvent event) {
    NetSocket socket = event.socket();
    Set<String> streams = clients.computeIfAbsent(socket, this::watch);
    JsonObject frame = event.getRawMessage();
    String address = frame == null ? null : frame.getString("address");
    boolean allowed = switch (event.type()) {
      case SEND -> Frames.TRANSFORM_OPEN.equals(address)
          ? open(socket, streams, frame.getValue("body"))
          // anything else but a control address: the allow-list refuses it with access_denied
          : StreamAddresses.streamId(StreamAddresses.CONTROL, address) == null || owns(streams, StreamAddresses.CONTROL, address);
      case REGISTER -> owns(streams, StreamAddresses.DATA, address);
      case UNREGISTER -> {
        String id = StreamAddresses.streamId(StreamAddresses.DATA, address);
        if (id != null && streams.remove(id)) {
          release(id);
        }
        yield true;
      }
      case PUBLISH -> false;
      default -> true;
    };
    if (!allowed) {
      LOG.debug("bridge client {}: refused {} to '{}'", socket.remoteAddress(), event.type(), address);
    }
    event.complete(allowed);
  }

  /** First frame of a client: from now on its streams end with its socket. */
  private Set<String> watch(NetSocket socket) {
    socket.closeHandler(v -> Set.copyOf(clients.remove(socket)).forEach(this::release));
    return new LinkedHashSet<>();
  }

  /**
   * Lets an open through if it names a fresh stream id and sends the data to that stream's data
   * address; the stream is then the client's, and its batches come as JSON.
   */
  private boolean open(NetSocket socket, Set<String> streams, Object body) {
    if (!(body instanceof JsonObject open) || !(open.getValue("stream") instanceof String id)
        || !StreamAddresses.STREAM_ID.matcher(id).matches() || !StreamAddresses.isDataAddressOf(id, open.getValue("replyTo"))) {
      return false;
    }
    NetSocket owner = owners.putIfAbsent(id, socket);
    if (owner != null && owner != socket) {
      return false;
    }
    streams.add(id);
    // the bridge writes message bodies as JSON: it cannot carry the binary batch codec
    open.put("encoding", BatchEncoding.JSON.wireName());
    return true;
  }

  private static boolean owns(Set<String> streams, Pattern kind, String address) {
    String id = StreamAddresses.streamId(kind, address);
    return id != null && streams.contains(id);
  }

  /** Forgets a stream and cancels it: a stream already over ignores the cancel. */
  private void release(String streamId) {
    owners.remove(streamId);
    vertx.eventBus().send(Frames.controlAddress(streamId), null, new DeliveryOptions().addHeader(Frames.KIND, Frames.CANCEL));
  }
}
