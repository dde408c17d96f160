// Prices an order; bundled into dist/app.js with an external source map.
export interface Item {
  sku: string;
  unitPrice: number;
  quantity: number;
}

export function total(items: Item[]): number {
  let sum: number = 0;
  for (const item of items) {
    const line: number = item.unitPrice * item.quantity; // tether:breakpoint
    sum += line;
  }
  return sum;
}
