package io.sluice.resume;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.sluice.dataset.Position;
import io.sluice.value.ChangeKey;
import io.sluice.value.MovedKey;
import io.sluice.value.SnapshotKey;
import io.sluice.value.Values;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints and checks resume tokens: {@code v1.<payload>.<signature>}, base64url, the payload a
 * JSON object with the dataset, a hash of the request's parameters, the key of the last row
 * delivered (null: nothing yet) or, for a followed stream, the change last delivered ({@code
 * c}: the commit LSN and how many of its changes) or the place inside its snapshot ({@code f}:
 * {@link Position.SnapshotCut}), an expiry and a slot for the principal, signed with
 * HMAC-SHA256. A token says where to go on and for which request, and cannot be forged or
 * moved to another dataset or other parameters.
 */
public final class ResumeTokens {

  private static final String VERSION = "v1";
  /** What every token starts with, the version and its dot, as the bytes that are signed. */
  private static final byte[] PREFIX = (VERSION + ".").getBytes(StandardCharsets.US_ASCII);
  private static final String ALGORITHM = "HmacSHA256";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final long ttlSeconds;
  private final Clock clock;

  public ResumeTokens(String signingKey, long ttlSeconds) {
    this(signingKey, ttlSeconds, Clock.systemUTC());
  }

  /** Tokens whose expiry follows {@code clock}. */
  public ResumeTokens(String signingKey, long ttlSeconds, Clock clock) {
    this.key = new SecretKeySpec(signingKey.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    this.ttlSeconds = ttlSeconds;
    this.clock = clock;
  }

  /** A token for going on after {@code key} (null: from the first row) in the stream of {@code dataset} with {@code params}. */
  public String mint(String dataset, Map<String, String> params, List<String> key, String principal) {
    return minter(dataset, params, principal).after(key);
  }

  /**
   * The minter of one stream's tokens: the request's parts, their hash and the HMAC are set up
   * once, since SSE mints a token for every row. Used from one thread.
   */
  public Minter minter(String dataset, Map<String, String> params, String principal) {
    return new Minter(dataset, hash(params), principal);
  }

  /**
   * Checks {@code token} against the request it comes with and returns the position it holds:
   * after a row's key, or the start; throws {@link InvalidTokenException} saying why not.
   */
  public Position verify(String token, String dataset, Map<String, String> params, String principal) {
    String[] parts = token.split("\\.");
    if (parts.length != 3 || !parts[0].equals(VERSION)) {
      throw new InvalidTokenException("is not a resume token of version " + VERSION);
    }
    byte[] expected = sign(newMac(), parts[0] + "." + parts[1]);
    byte[] given;
    JsonObject payload;
    try {
      given = DECODER.decode(parts[2]);
      payload = new JsonObject(new String(DECODER.decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException e) {
      throw new InvalidTokenException("is malformed");
    }
    if (!MessageDigest.isEqual(expected, given)) {
      throw new InvalidTokenException("has a signature that does not match: it was changed, or signed with another key");
    }
    if (!java.util.Objects.equals(principal, payload.getString("u"))) {
      throw InvalidTokenException.ofOtherPrincipal();
    }
    if (!dataset.equals(payload.getString("d"))) {
      throw new InvalidTokenException("is for dataset '" + payload.getString("d") + "', not '" + dataset + "'");
    }
    if (!hash(params).equals(payload.getString("p"))) {
      throw new InvalidTokenException("is for other parameters: repeat the parameters of the request it came from");
    }
    if (clock.instant().getEpochSecond() > payload.getLong("e", 0L)) {
      throw new InvalidTokenException("expired");
    }
    JsonObject cut = payload.getJsonObject("f");
    if (cut != null) {
      JsonArray after = cut.getJsonArray("k", new JsonArray());
      JsonArray at = cut.getJsonArray("c");
      try {
        return Position.inSnapshot(new Position.SnapshotCut(after.stream().map(String::valueOf).toList(), cut.getString("s"),
            cut.getString("v"), cut.getString("t"), at == null ? null : at.getString(0), at == null ? 0 : at.getLong(1)));
      } catch (IllegalArgumentException e) {
        throw new InvalidTokenException("is malformed");
      }
    }
    JsonArray change = payload.getJsonArray("c");
    if (change != null) {
      return Position.afterChange(change.getString(0), change.getLong(1));
    }
    JsonArray key = payload.getJsonArray("k");
    List<String> values = new ArrayList<>();
    if (key != null) {
      key.forEach(v -> values.add(String.valueOf(v)));
    }
    return Position.afterKey(values);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  private static byte[] sign(Mac mac, String text) {
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String hash(Map<String, String> params) {
    JsonObject canonical = new JsonObject();
    new TreeMap<>(params).forEach(canonical::put);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.encode().getBytes(StandardCharsets.UTF_8));
      return ENCODER.encodeToString(java.util.Arrays.copyOf(digest, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The text form of a key as a batch carries it, as tokens and {@code after=} hold it. */
  private static List<String> keyText(Object[] key) {
    List<String> texts = new ArrayList<>(key.length);
    for (Object value : key) {
      texts.add(Values.text(value));
    }
    return texts;
  }

  /**
   * Mints the tokens of one stream from the key of a row. The payload is written by hand, its
   * constant head once per stream: a followed stream mints a token for every change, for every
   * follower, and {@link JsonObject#encode()} was most of that cost.
   */
  public final class Minter {
    /** {@code {"d":<dataset>,"p":<hash>,}}: what every token of the stream starts with. */
    private final String head;
    /** {@code ,"u":<principal>}}: and ends with. */
    private final String tail;
    private Mac mac;

    private Minter(String dataset, String paramsHash, String principal) {
      this.head = "{\"d\":" + quoted(dataset) + ",\"p\":" + quoted(paramsHash) + ",";
      this.tail = ",\"u\":" + quoted(principal) + "}";
    }

    /** A token after the row with {@code key} (text values), or from the first row when null. */
    public String after(List<String> key) {
      if (key == null) {
        return signed("\"k\":null");
      }
      StringBuilder position = new StringBuilder(16 + 16 * key.size()).append("\"k\":[");
      for (int i = 0; i < key.size(); i++) {
        position.append(i == 0 ? "" : ",").append(quoted(key.get(i)));
      }
      return signed(position.append(']').toString());
    }

    private String signed(String position) {
      String payload = head + position + ",\"e\":" + (clock.instant().getEpochSecond() + ttlSeconds) + tail;
      byte[] body = ENCODER.encode(payload.getBytes(StandardCharsets.UTF_8));
      if (mac == null) {
        mac = newMac();
      }
      mac.update(PREFIX);
      byte[] signature = ENCODER.encode(mac.doFinal(body));
      byte[] token = new byte[PREFIX.length + body.length + 1 + signature.length];
      System.arraycopy(PREFIX, 0, token, 0, PREFIX.length);
      System.arraycopy(body, 0, token, PREFIX.length, body.length);
      token[PREFIX.length + body.length] = '.';
      System.arraycopy(signature, 0, token, PREFIX.length + body.length + 1, signature.length);
      return new String(token, StandardCharsets.ISO_8859_1);
    }

    /** A token after the row with {@code key} as a batch carries it, or from the first row when null. */
    public String afterRow(Object[] key) {
      if (ChangeKey.is(key) && ChangeKey.hasCut(key)) {
        return inSnapshot(new Position.SnapshotCut(keyText(ChangeKey.cutKey(key)), ChangeKey.cutStart(key), ChangeKey.cutBase(key),
            ChangeKey.cutTarget(key), ChangeKey.lsn(key), ChangeKey.delivered(key)));
      }
      if (ChangeKey.is(key)) {
        return afterChange(ChangeKey.lsn(key), ChangeKey.delivered(key));
      }
      if (SnapshotKey.is(key)) {
        return inSnapshot(Position.SnapshotCut.afterRow(keyText(SnapshotKey.key(key)), SnapshotKey.start(key), SnapshotKey.base(key)));
      }
      if (MovedKey.is(key)) {
        key = MovedKey.after(key); // a move goes on after the last row delivered before it
      }
      return after(key == null ? null : keyText(key));
    }

    /** A token that goes on inside a followed stream's snapshot where {@code cut} says. */
    public String inSnapshot(Position.SnapshotCut cut) {
      JsonObject at = new JsonObject().put("k", new JsonArray(cut.after())).put("s", cut.start()).put("v", cut.base());
      if (cut.target() != null) {
        at.put("t", cut.target()).put("c", new JsonArray().add(cut.lsn()).add(cut.delivered()));
      }
      return signed("\"f\":" + at.encode());
    }

    /** A token right after the first {@code delivered} changes of the transaction committed at {@code lsn}. */
    public String afterChange(String lsn, long delivered) {
      return signed("\"c\":[" + quoted(lsn) + "," + delivered + "]");
    }
  }

  /** {@code text} as a JSON string (null as null). */
  private static String quoted(String text) {
    return text == null ? "null" : "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
  }
}
