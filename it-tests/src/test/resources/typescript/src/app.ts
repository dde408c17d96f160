// A TypeScript function: every HTTP request prices its JSON items (see pricing.ts).
import * as http from 'node:http';
import { total, Item } from './pricing';

const port: number = Number(process.argv[2] ?? 8080);

http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => { body += chunk; });
  req.on('end', () => {
    const items: Item[] = body ? JSON.parse(body).items : [{ sku: 'demo', unitPrice: 10, quantity: 2 }];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ total: total(items) }));
  });
}).listen(port, '127.0.0.1', () => console.log(`typescript function listening on ${port}`));
