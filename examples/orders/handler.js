'use strict';
// A sample cloud function: prices a shopping cart. Set a breakpoint in `handler` and invoke it.

const TAX_RATE = 0.2;

function priceOf(item) {
  const unit = item.unitPrice ?? 0;
  const quantity = item.quantity ?? 1;
  return unit * quantity;
}

async function handler(event) {
  const items = event.items ?? [];
  const subtotal = items.reduce((sum, item) => sum + priceOf(item), 0);
  const tax = Math.round(subtotal * TAX_RATE * 100) / 100;
  const total = subtotal + tax;
  return { statusCode: 200, body: { customer: event.customer ?? 'anonymous', subtotal, tax, total } };
}

module.exports = { handler };
