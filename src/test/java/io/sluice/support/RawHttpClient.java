package io.sluice.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An HTTP/1.1 client on a plain socket, so a test decides when (and whether) it reads: it
 * can stall with a small receive buffer, read a little, or vanish with a TCP reset.
 */
public final class RawHttpClient implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;

  private RawHttpClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Sends a GET; the receive buffer is kept small so that a client that does not read stalls the server quickly. */
  public static RawHttpClient get(int port, String pathAndQuery) throws IOException {
    return send(port, "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  /** Sends {@code requestHead} (request line and headers, ending in an empty line) as it is. */
  public static RawHttpClient send(int port, String requestHead) throws IOException {
    return send(port, requestHead, 8 * 1024);
  }

  /**
   * Sends {@code requestHead} on a socket whose receive buffer is {@code receiveBufferBytes}:
   * the smaller it is, the sooner the server's kernel sees each byte the client reads.
   */
  public static RawHttpClient send(int port, String requestHead, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBufferBytes);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(60_000);
    socket.getOutputStream().write(requestHead.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return new RawHttpClient(socket);
  }

  /** Gives up reading after {@code millis} without a byte. */
  public RawHttpClient readTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
    return this;
  }

  /** Reads up to {@code n} bytes (at least one), or fewer at the end of the stream. */
  public byte[] read(int n) throws IOException {
    byte[] buffer = new byte[n];
    int count = in.read(buffer);
    return count <= 0 ? new byte[0] : java.util.Arrays.copyOf(buffer, count);
  }

  /** Reads until the server closes the connection; the raw bytes, headers and chunk framing included. */
  public String readToEnd() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Reads until the server closes the connection; the raw bytes, headers and chunk framing included, for binary bodies. */
  public byte[] readBytesToEnd() throws IOException {
    return in.readAllBytes();
  }

  /** Reads until the server closes the connection and returns the body bytes of an unframed (HTTP/1.0) response. */
  public byte[] readBodyToEnd() throws IOException {
    byte[] raw = in.readAllBytes();
    for (int i = 0; i + 3 < raw.length; i++) {
      if (raw[i] == '\r' && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n') {
        return java.util.Arrays.copyOfRange(raw, i + 4, raw.length);
      }
    }
    throw new IOException("no end of headers in " + raw.length + " bytes");
  }

  /** Sends one more byte, as a client that trickles data to look alive while it reads nothing. */
  public void trickle() throws IOException {
    socket.getOutputStream().write(' ');
    socket.getOutputStream().flush();
  }

  /** Reads the headers of an unframed (HTTP/1.0) response, then at most {@code budget} body bytes; fewer at its end. */
  public byte[] readBodyUpTo(int budget) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the response ended inside its headers");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (body.size() < budget) {
      int count = in.read(buffer, 0, Math.min(buffer.length, budget - body.size()));
      if (count < 0) {
        break;
      }
      body.write(buffer, 0, count);
    }
    return body.toByteArray();
  }

  /** Vanishes: a TCP reset, as when a client process is killed. */
  public void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The body of a raw chunked response and whether it ended with the terminating chunk. */
  public record Chunked(int status, String body, boolean complete, String trailers) {

    public static Chunked decode(String raw) {
      int headerEnd = raw.indexOf("\r\n\r\n");
      int status = Integer.parseInt(raw.substring(9, 12));
      StringBuilder body = new StringBuilder();
      int pos = headerEnd + 4;
      while (true) {
        int lineEnd = raw.indexOf("\r\n", pos);
        if (lineEnd < 0) {
          return new Chunked(status, body.toString(), false, "");
        }
        int size = Integer.parseInt(raw.substring(pos, lineEnd).trim(), 16);
        if (size == 0) {
          return new Chunked(status, body.toString(), true, raw.substring(lineEnd + 2));
        }
        int start = lineEnd + 2;
        byte[] bytes = raw.substring(start).getBytes(StandardCharsets.UTF_8);
        if (bytes.length < size + 2) {
          return new Chunked(status, body.toString(), false, "");
        }
        String chunk = new String(bytes, 0, size, StandardCharsets.UTF_8);
        body.append(chunk);
        pos = start + chunk.length() + 2;
      }
    }
  }

  /** The body bytes of a raw chunked response (binary formats too), whether it ended with the terminating chunk, and its trailers. */
  public record ChunkedBytes(int status, byte[] body, boolean complete, String trailers) {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};

    public static ChunkedBytes decode(byte[] raw) {
      int headerEnd = indexOf(raw, CRLF_CRLF, 0);
      int status = Integer.parseInt(new String(raw, 9, 3, StandardCharsets.US_ASCII));
      String head = new String(raw, 0, headerEnd, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
      if (!head.contains("\r\ntransfer-encoding: chunked")) {
        // a body framed by Content-Length (an error answered before any row, say): whole when it has that length
        byte[] body = Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(head);
        return new ChunkedBytes(status, body, length.find() && Long.parseLong(length.group(1)) == body.length, "");
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      int pos = headerEnd + 4;
      while (true) {
        int lineEnd = indexOf(raw, CRLF, pos);
        if (lineEnd < 0) {
          return new ChunkedBytes(status, body.toByteArray(), false, "");
        }
        String sizeLine = new String(raw, pos, lineEnd - pos, StandardCharsets.US_ASCII);
        int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
        if (size == 0) {
          String trailers = new String(raw, lineEnd + 2, raw.length - lineEnd - 2, StandardCharsets.US_ASCII);
          return new ChunkedBytes(status, body.toByteArray(), true, trailers);
        }
        int start = lineEnd + 2;
        if (raw.length < start + size + 2) {
          return new ChunkedBytes(status, body.toByteArray(), false, "");
        }
        body.write(raw, start, size);
        pos = start + size + 2;
      }
    }

    private static int indexOf(byte[] raw, byte[] part, int from) {
      for (int i = from; i + part.length <= raw.length; i++) {
        if (Arrays.equals(raw, i, i + part.length, part, 0, part.length)) {
          return i;
        }
      }
      return -1;
    }
  }
}
