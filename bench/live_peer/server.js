// The peer of bench/live_bench.sh: a Node.js `ws` server that fans out whatever a publisher
// sends to the clients of one group, as in the hashrocket websocket-shootout (the server
// broadcasts what it receives; the client measures from its own send).
//
//   node server.js [--listen 127.0.0.1:0]     prints "listening on ws://HOST:PORT" when ready
//
//   ws://HOST:PORT/t/<group>   a subscriber of <group> (e.g. acme-corp/crm); sends nothing
//   ws://HOST:PORT/publish     the publisher: each message is "<group>\n<payload>"; the server
//                              sends <payload> as a text frame to every subscriber of <group>
//
// The payload bytes are forwarded untouched (Buffer.subarray, no copy, no JSON parse), so the
// subscribers receive exactly the bytes readside sent in the readside run that live_load
// recorded. One event loop, like the shootout's Node entry; no per-message deflate (readside
// negotiates none either).
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

let listen = '127.0.0.1:0';
for (let i = 2; i < process.argv.length; i += 2) {
  if (process.argv[i] === '--listen') listen = process.argv[i + 1];
  else {
    console.error(`unknown flag ${process.argv[i]}`);
    process.exit(2);
  }
}
const colon = listen.lastIndexOf(':');
const host = listen.slice(0, colon);
const port = Number(listen.slice(colon + 1));

const groups = new Map();  // group name → Set of subscriber sockets
let published = 0;
let sent = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    let subscribers = 0;
    for (const set of groups.values()) subscribers += set.size;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ groups: groups.size, subscribers, published, sent }));
    return;
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false,
                                  maxPayload: 1 << 20 });

wss.on('connection', (ws, req) => {
  if (req.url === '/publish') {
    ws.on('message', (data) => {
      const nl = data.indexOf(10);
      if (nl < 0) return;
      const set = groups.get(data.toString('latin1', 0, nl));
      ++published;
      if (set === undefined) return;
      const payload = data.subarray(nl + 1);
      for (const client of set) client.send(payload, { binary: false });
      sent += set.size;
    });
    return;
  }
  if (!req.url.startsWith('/t/')) {
    ws.close(4404, 'unknown path');
    return;
  }
  const name = decodeURIComponent(req.url.slice(3));
  let set = groups.get(name);
  if (set === undefined) groups.set(name, (set = new Set()));
  set.add(ws);
  ws.on('close', () => set.delete(ws));
  ws.on('error', () => set.delete(ws));
});

server.listen({ host, port, backlog: 4096 }, () => {
  const a = server.address();
  console.log(`listening on ws://${a.address}:${a.port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
