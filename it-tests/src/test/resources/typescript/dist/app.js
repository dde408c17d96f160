var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/app.ts
var http = __toESM(require("node:http"));

// src/pricing.ts
function total(items) {
  let sum = 0;
  for (const item of items) {
    const line = item.unitPrice * item.quantity;
    sum += line;
  }
  return sum;
}

// src/app.ts
var port = Number(process.argv[2] ?? 8080);
http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const items = body ? JSON.parse(body).items : [{ sku: "demo", unitPrice: 10, quantity: 2 }];
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ total: total(items) }));
  });
}).listen(port, "127.0.0.1", () => console.log(`typescript function listening on ${port}`));
//# sourceMappingURL=app.js.map
