// A stand-in relay for the layer's class-data training run (build-layer.sh): just enough of the
// tunnel (tether.v2) to take the shim through what every instance does as it starts and what a
// debugging session adds: the upgrade, hello and welcome, then one stream (the shim opens node's
// inspector with SIGUSR1 and connects to it), one CDP round trip and its credit, and the stream's
// close. So the classes of that path are archived, not loaded from the jar at every cold start.
// Loopback only, no dependencies; prints its port, exits when the shim goes or after 20 s.
'use strict';
const net = require('net');
const crypto = require('crypto');

const WINDOW = 1024 * 1024;
const COMMAND = Buffer.from('{"id":1,"method":"Runtime.evaluate","params":{"expression":"6*7"}}');

function frame(opcode, payload) {
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length])
    : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

const text = (socket, message) => socket.write(frame(1, Buffer.from(JSON.stringify(message))));

function data(socket, stream, payload) {
  const header = Buffer.alloc(5);
  header.writeInt32BE(stream, 0);
  header[4] = 1; // FIN
  socket.write(frame(2, Buffer.concat([header, payload])));
}

// Client frames are masked; a training run never sends anything large or fragmented.
function* frames(buffer) {
  let at = 0;
  while (buffer.length - at >= 2) {
    const opcode = buffer[at] & 0x0f;
    let length = buffer[at + 1] & 0x7f;
    let offset = at + 2;
    if (length === 126) { length = buffer.readUInt16BE(offset); offset += 2; }
    else if (length === 127) { length = Number(buffer.readBigUInt64BE(offset)); offset += 8; }
    if (buffer.length < offset + 4 + length) break;
    const mask = buffer.subarray(offset, offset + 4);
    const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    at = offset + 4 + length;
    yield { opcode, payload, consumed: at };
  }
}

const server = net.createServer((socket) => {
  let pending = Buffer.alloc(0);
  let upgraded = false;
  socket.on('error', () => {});
  socket.on('close', () => process.exit(0));
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    if (!upgraded) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(pending.subarray(0, end).toString());
      const accept = crypto.createHash('sha1')
        .update(key[1] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
        + 'Connection: Upgrade\r\nSec-WebSocket-Protocol: tether.v2\r\n'
        + `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
      upgraded = true;
      pending = pending.subarray(end + 4);
    }
    let consumed = 0;
    for (const f of frames(pending)) {
      consumed = f.consumed;
      if (f.opcode === 8) { socket.end(frame(8, Buffer.from([0x03, 0xe8]))); return; }
      if (f.opcode === 9) { socket.write(frame(10, f.payload)); continue; }
      if (f.opcode === 1) {
        const message = JSON.parse(f.payload.toString());
        if (message.type === 'hello') {
          text(socket, { type: 'welcome', instance: message.instance, heartbeatSeconds: 20,
            graceSeconds: 30, resumed: false, streams: [],
            resumeSecret: crypto.randomBytes(32).toString('base64url'), hold: false });
          const target = message.targets.length ? message.targets[0].id : 'training';
          text(socket, { type: 'open', stream: 1, target, session: 'training', window: WINDOW });
        } else if (message.type === 'opened') {
          data(socket, message.stream, COMMAND);
        }
      } else if (f.opcode === 2 && f.payload.length > 5) {
        const stream = f.payload.readInt32BE(0);
        if (f.payload.subarray(5).includes('"id":1')) {
          text(socket, { type: 'credit', stream, bytes: f.payload.length - 5, ack: 1 });
          text(socket, { type: 'close', stream, code: 1000, reason: 'training done' });
          setTimeout(() => { console.log('done'); }, 200);
        }
      }
    }
    pending = pending.subarray(consumed);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
setTimeout(() => process.exit(0), 20000).unref();
