package io.sluice.bridge;

import io.sluice.auth.AuthenticationException;
import io.sluice.auth.Authenticator;
import io.sluice.auth.DatasetAccess;
import io.sluice.auth.Principal;
import io.sluice.dataset.Catalogue;
import io.sluice.dataset.Dataset;
import io.sluice.error.InvalidRequestException;
import io.sluice.limits.ClientLimiter;
import io.sluice.protocol.BatchEncoding;
import io.sluice.protocol.OpenFrame;
import io.sluice.protocol.PeerNodes;
import io.sluice.protocol.Frames;
import io.sluice.protocol.StreamError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides every frame a bridge client sends, on top of the allow-list: a client owns the
 * streams it opens (ids no other client holds, data going to the stream's own data address),
 * may register only their data addresses and send only to their control addresses, and gets
 * its batches as JSON. It holds at most {@code maxStreams} streams at once: one more open is
 * refused, on its reply address, as {@code too-many-streams}, until the client unregisters one.
 * When its socket closes, its streams are cancelled at once, so their producers release their
 * database connections without waiting for the lease.
 *
 * <p>An open is authorized as an HTTP request is ({@link DatasetAccess}): with authentication
 * on it carries the caller's JWT as {@code token} (taken out before the open goes on), the
 * caller must hold one of the dataset's roles, and parameters bound to claims are set from
 * the token. A refusal reaches the open's reply address like any other.
 *
 * <p>Runs on the bridge verticle's event loop only.
 */
final class BridgeGuard {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeGuard.class);

  private final Vertx vertx;
  private final int maxStreams;
  private final Catalogue catalogue;
  private final Authenticator authenticator;
  /** Each connected client's streams, by socket. */
  private final Map<NetSocket, Set<String>> clients = new HashMap<>();
  /** Each bridge stream's client. */
  private final Map<String, NetSocket> owners = new HashMap<>();

  BridgeGuard(Vertx vertx, int maxStreams, Catalogue catalogue, Authenticator authenticator) {
    this.vertx = vertx;
    this.maxStreams = maxStreams;
    this.catalogue = catalogue;
    this.authenticator = authenticator;
  }

  void handle(BridgeEvent event) {
    NetSocket socket = event.socket();
    Set<String> streams = clients.computeIfAbsent(socket, this::watch);
    JsonObject frame = event.getRawMessage();
    String address = frame == null ? null : frame.getString("address");
    if (event.type() == BridgeEventType.SEND && Frames.TRANSFORM_OPEN.equals(address)) {
      if (!open(socket, streams, frame)) {
        event.complete(false);
        return;
      }
      // the stream id is the client's from now on, so the register sent right after the open passes
      JsonObject open = frame.getJsonObject("body");
      String id = open.getString("stream");
      authorize(open, socket).onComplete(authorized -> {
        if (authorized.succeeded()) {
          event.complete(true);
        } else {
          streams.remove(id);
          owners.remove(id);
          refuse(socket, frame.getValue("replyAddress"), refusal(authorized.cause()));
          event.complete(false);
        }
      });
      return;
    }
    boolean allowed = switch (event.type()) {
      // anything else but a control address: the allow-list refuses it with access_denied
      case SEND -> StreamAddresses.streamId(StreamAddresses.CONTROL, address) == null || owns(streams, StreamAddresses.CONTROL, address);
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
  private boolean open(NetSocket socket, Set<String> streams, JsonObject frame) {
    if (!(frame.getValue("body") instanceof JsonObject open) || !(open.getValue("stream") instanceof String id)
        || !StreamAddresses.STREAM_ID.matcher(id).matches() || !StreamAddresses.isDataAddressOf(id, open.getValue("replyTo"))) {
      return false;
    }
    if (streams.size() >= maxStreams && !streams.contains(id)) {
      refuse(socket, frame.getValue("replyAddress"), StreamError.of(StreamError.TOO_MANY_STREAMS, 429,
          "this bridge client already holds " + streams.size() + " streams, at most " + maxStreams
              + ": unregister the data address of a stream that ended before opening another"));
      return false;
    }
    NetSocket owner = owners.putIfAbsent(id, socket);
    if (owner != null && owner != socket) {
      return false;
    }
    streams.add(id);
    // the bridge writes message bodies as JSON: it cannot carry the binary batch codec
    open.put("encoding", BatchEncoding.JSON.wireName());
    // the client's data address lives on this node: its producer watches this node, whatever the client wrote
    String node = PeerNodes.localNode(vertx);
    if (node == null) {
      open.remove(OpenFrame.NODE);
    } else {
      open.put(OpenFrame.NODE, node);
    }
    return true;
  }

  /**
   * Answers an open the guard refuses as the bridge answers one a stage refused: an {@code err}
   * frame to the open's reply address, the {@link StreamError} JSON in {@code message}.
   */
  private static void refuse(NetSocket socket, Object replyAddress, StreamError error) {
    LOG.info("bridge client {}: open refused: {}", socket.remoteAddress(), error.message());
    JsonObject frame = new JsonObject().put("type", "err").put("failureCode", error.status()).put("failureType", "RECIPIENT_FAILURE")
        .put("message", error.toJson().encode());
    if (replyAddress != null) {
      frame.put("address", replyAddress);
    }
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer(4 + json.length()).appendInt(json.length()).appendBuffer(json));
  }

  /**
   * Authenticates the open's {@code token} (removed from the body: it goes no further), checks
   * the caller may read the dataset and binds the parameters its claims set. The open then says,
   * whatever the client wrote, that it comes through the bridge, for which principal (its resume
   * tokens are bound to it) and whose limits it counts against: the principal's, as over HTTP, or,
   * anonymous, the client's address.
   */
  private Future<Void> authorize(JsonObject open, NetSocket socket) {
    Object token = open.remove("token");
    return authenticator.caller(() -> token instanceof String jwt ? jwt : null).compose(caller -> {
      boolean anonymous = Principal.ANONYMOUS.equals(caller.name());
      open.put("transport", OpenFrame.BRIDGE).put("principal", caller.name())
          .put("client", anonymous ? addressOf(socket) : ClientLimiter.principalKey(caller.name()));
      JsonObject request = open.getJsonObject("request");
      Dataset dataset = catalogue.require(request.getString("dataset"));
      DatasetAccess.requireReadable(dataset, caller);
      if (request.containsKey("partition")) {
        // an export's partitions belong to the principal that made it, which only HTTP knows: a snapshot id is not a credential
        throw InvalidRequestException.badParameter("partition", "partitions of an export are read over HTTP (GET /v1/exports/{id}/partitions/{i}/rows)");
      }
      Map<String, String> given = new TreeMap<>();
      request.getJsonObject("params", new JsonObject()).forEach(p -> given.put(p.getKey(), String.valueOf(p.getValue())));
      request.put("params", new JsonObject(new HashMap<>(DatasetAccess.bindClaims(dataset, given, caller))));
      // the caller's roles, for the column rules: never what the client says they are
      request.put("callerRoles", new io.vertx.core.json.JsonArray(caller.roleNames().stream().sorted().toList()));
      return Future.succeededFuture();
    });
  }

  private static String addressOf(NetSocket socket) {
    return socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
  }

  private static StreamError refusal(Throwable err) {
    if (err instanceof AuthenticationException unauthenticated) {
      return StreamError.of(StreamError.UNAUTHORIZED, 401, unauthenticated.getMessage());
    }
    if (err instanceof InvalidRequestException invalid) {
      return StreamError.of(invalid.failure());
    }
    return StreamError.of(StreamError.PROTOCOL, 400, "open: a request with a dataset name, and params as an object, is needed");
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
