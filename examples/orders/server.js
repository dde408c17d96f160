'use strict';
// A minimal function runtime: every HTTP request is one invocation of handler.js.
// POST a JSON event (or GET with no body) to http://127.0.0.1:PORT/ (PORT: first argument, $PORT, or 8080).

const http = require('node:http');
const { handler } = require('./handler');

const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', async () => {
    try {
      const event = body ? JSON.parse(body) : { items: [{ sku: 'demo', unitPrice: 10, quantity: 2 }] };
      const result = await handler(event);
      res.writeHead(result.statusCode, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result.body));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invocation_failed', message: String(err && err.message) }));
    }
  });
});

server.listen(port, host, () => {
  console.log(`orders function listening on http://${host}:${server.address().port}`);
});

function shutdown(signal) {
  console.log(`orders function got ${signal}, shutting down`);
  server.close(() => process.exit(0));
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
