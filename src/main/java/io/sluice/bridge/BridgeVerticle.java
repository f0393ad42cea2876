package io.sluice.bridge;

import io.sluice.auth.Authenticator;
import io.sluice.config.BridgeConfig;
import io.sluice.dataset.Catalogue;
import io.sluice.protocol.Frames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credit protocol over the TCP event-bus bridge, for consumers in any language: frames are
 * a 4-byte big-endian length and a JSON object (docs/protocol.md, "Through the TCP bridge").
 * Only what a consumer needs passes: opens at {@link Frames#TRANSFORM_OPEN} and frames to
 * streams' control addresses in, streams' data frames out; {@link BridgeGuard} narrows that
 * to the streams each client opened itself. Deploy one instance: the guard's bookkeeping
 * lives on its event loop.
 */
public final class BridgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);

  private final BridgeConfig config;
  private final Catalogue catalogue;
  private final Authenticator authenticator;
  private BridgeGuard guard;
  private TcpEventBusBridge bridge;

  /** A bridge that authorizes opens of {@code catalogue}'s datasets as {@code authenticator} says. */
  public BridgeVerticle(BridgeConfig config, Catalogue catalogue, Authenticator authenticator) {
    this.config = config;
    this.catalogue = catalogue;
    this.authenticator = authenticator;
  }

  @Override
  public Future<?> start() {
    guard = new BridgeGuard(vertx, config.maxStreamsPerClient(), catalogue, authenticator);
    bridge = TcpEventBusBridge.create(vertx, permitted(), new NetServerOptions(), guard::handle);
    return bridge.listen(config.port(), config.host())
        .onSuccess(b -> LOG.info("TCP event-bus bridge listening on {}:{}", config.host(), config.port()));
  }

  /** The allow-list: the bridge refuses any other address with {@code access_denied}. */
  static BridgeOptions permitted() {
    return new BridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Frames.TRANSFORM_OPEN))
        .addInboundPermitted(new PermittedOptions().setAddressRegex(StreamAddresses.CONTROL.pattern()))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(StreamAddresses.DATA.pattern()));
  }

  @Override
  public Future<?> stop() {
    // closing the server closes the clients' sockets: the guard cancels their streams
    return bridge == null ? Future.succeededFuture() : bridge.close();
  }
}
