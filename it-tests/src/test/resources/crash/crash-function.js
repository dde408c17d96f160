'use strict';
// A function that dies on request: POST /throw throws outside any try (an uncaught exception),
// POST /oom keeps what it allocates until the heap limit (--max-old-space-size) is reached.
const http = require('node:http');

const port = Number(process.argv[2]);
const kept = [];

function chargeCustomer(order) {
  return order.customer.card; // order.customer is undefined: a TypeError
}

function fillTheHeap() {
  for (;;) {
    kept.push(new Array(100000).fill('order'));
  }
}

http.createServer((req, res) => {
  if (req.url === '/throw') {
    setImmediate(() => chargeCustomer({ id: 42 }));
  } else if (req.url === '/oom') {
    setImmediate(fillTheHeap);
  }
  res.end('ok\n');
}).listen(port, '127.0.0.1', () => console.log(`crash function listening on ${port}`));
