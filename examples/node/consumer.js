#!/usr/bin/env node
// Streams a whole Sluice dataset through the TCP event-bus bridge with credits and prints its
// row count. Plain Node.js (18+), no dependencies. The frames are described in docs/protocol.md,
// "Through the TCP bridge".
//
//   node consumer.js --host 127.0.0.1 --port 7000 --dataset transactions --param status=settled
//
// Prints the row count on stdout and exits 0; on a refusal or an error frame prints it on
// stderr, with the resume token to go on with (--resume TOKEN: right after the last row
// handled), and exits 1.
'use strict';

const net = require('node:net');
const crypto = require('node:crypto');

const OPEN = 'sluice.transform.open';
const KIND = 'sluice-frame';
const RESUME = 'sluice-resume';

function parseArgs(argv) {
  const options = { host: '127.0.0.1', port: 7000, dataset: null, params: {}, limit: null, window: 4, leaseMs: 10000, resume: null };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--host': options.host = value; i++; break;
      case '--port': options.port = Number(value); i++; break;
      case '--dataset': options.dataset = value; i++; break;
      case '--param': {
        const eq = value.indexOf('=');
        options.params[value.slice(0, eq)] = value.slice(eq + 1);
        i++;
        break;
      }
      case '--limit': options.limit = Number(value); i++; break;
      case '--window': options.window = Number(value); i++; break;
      case '--lease-ms': options.leaseMs = Number(value); i++; break;
      case '--resume': options.resume = value; i++; break;
      default: fail(`unknown argument ${argv[i]}`);
    }
  }
  if (!options.dataset) fail('usage: consumer.js --dataset NAME [--host H] [--port P] [--param k=v]... [--limit N] [--window N] [--lease-ms MS] [--resume TOKEN]');
  return options;
}

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

/** Bridge framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. */
function encode(frame) {
  const json = Buffer.from(JSON.stringify(frame), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(json.length, 0);
  return Buffer.concat([header, json]);
}

function frameReader(onFrame) {
  let pending = Buffer.alloc(0);
  return chunk => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (pending.length < 4 + length) break;
      const frame = JSON.parse(pending.toString('utf8', 4, 4 + length));
      pending = pending.subarray(4 + length);
      onFrame(frame);
    }
  };
}

function run(options) {
  const stream = crypto.randomUUID();
  const data = `sluice.stream.${stream}.data`;
  const openReply = `open-reply.${stream}`;
  // with authentication on, the open carries the caller's JWT (from the environment: never on a command line)
const token = () => (process.env.SLUICE_TOKEN ? { token: process.env.SLUICE_TOKEN } : {});
const leaseNanos = BigInt(options.leaseMs) * 1000000n;
  let control = null;
  let expectedSeq = 1;
  let rows = 0;
  let resumeToken = null;
  let lastHeard = process.hrtime.bigint();   // monotonic: a wall-clock step must not expire the stream
  let lastSent = lastHeard;
  let done = false;

  const socket = net.connect({ host: options.host, port: options.port });
  const send = frame => socket.write(encode(frame));
  const toProducer = (kind, body) => {
    lastSent = process.hrtime.bigint();
    send({ type: 'send', address: control, headers: { [KIND]: kind }, body });
  };

  const finish = (code, message) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    (code === 0 ? process.stdout : process.stderr).write(message + '\n');
    process.exitCode = code;
    // the bridge does not close its side on our end: close once our last frames are out;
    // it cancels whatever this client still had open
    socket.end(() => socket.destroy());
  };

  const cancelAndFail = message => {
    if (control) toProducer('cancel', null);
    finish(1, message);
  };

  socket.on('connect', () => {
    const request = { dataset: options.dataset, params: options.params };
    if (options.limit !== null) request.limit = options.limit;
    // Open with no credit: no batch can come before the bridge has handled the register below;
    // the window is granted once the open is accepted.
    send({
      type: 'send', address: OPEN, replyAddress: openReply, headers: { timeout: options.leaseMs },   // a number: the bridge reads it with getLong
      body: { stream, replyTo: data, request, credits: 0, leaseMs: options.leaseMs, ...token(),
        ...(options.resume ? { resumeToken: options.resume } : {}) },
    });
    send({ type: 'register', address: data });
  });

  socket.on('data', frameReader(frame => {
    if (done) return;
    if (frame.type === 'err') {
      // a refused open (message: the StreamError JSON) or a refusal of the bridge itself
      return finish(1, `refused: ${frame.message}${frame.failureCode ? ` (${frame.failureCode})` : ''}`);
    }
    if (frame.type !== 'message') return;   // pong
    if (frame.address === openReply) {
      control = frame.body.control;
      lastHeard = process.hrtime.bigint();
      return toProducer('credit', { n: options.window });
    }
    if (frame.address !== data) return;
    lastHeard = process.hrtime.bigint();
    const body = frame.body;
    switch (frame.headers && frame.headers[KIND]) {
      case 'batch':
        if (body.seq !== expectedSeq) return cancelAndFail(`batch ${body.seq} out of sequence, expected ${expectedSeq}`);
        expectedSeq++;
        rows += body.rows.length;
        resumeToken = frame.headers[RESUME] || resumeToken;   // after this batch's last row, once it is handled
        return toProducer('credit', { n: 1 });   // one batch handled, one credit back
      case 'end':
        if (body.seq !== expectedSeq - 1 || body.rows !== rows) {
          return finish(1, `stream ended after batch ${body.seq} with ${body.rows} rows, received ${expectedSeq - 1} batches, ${rows} rows`);
        }
        return finish(0, String(rows));
      case 'error':
        // every batch that came was handled: the error's token (after the last row sent) is the same as the last header
        return finish(1, `stream failed: ${JSON.stringify(body)}; go on with --resume ${body.resumeToken || resumeToken || options.resume || '(none)'}`);
      default:
        return;   // started, ping: the producer lives
    }
  }));

  socket.on('error', err => finish(2, `bridge connection failed: ${err.message}`));
  socket.on('close', () => finish(2, 'bridge closed the connection'));

  // The lease, both ways: ping after a third of it without sending, give up after a whole one without hearing.
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    if (control === null) return;
    if (now - lastHeard > leaseNanos) return cancelAndFail(`producer silent for ${options.leaseMs} ms`);
    if (now - lastSent >= leaseNanos / 3n) toProducer('ping', null);
  }, Math.max(10, Math.floor(options.leaseMs / 3)));
}

run(parseArgs(process.argv.slice(2)));
