'use strict';
// Drives chrome-remote-interface in its default mode (it fetches /json/protocol, and /json/list for
// a port, from the host it connects to), as its users do. Usage:
//   node cri-evaluate.js ws://relay/devtools/<ticket>    (a session URL)
//   node cri-evaluate.js 9229                             (a local port, as tether connect serves)
// Prints one JSON line: the value of 6*7 evaluated in the function, and whether the client's API
// was prepared from the protocol description (Debugger.setBreakpointByUrl present).
const CDP = require('chrome-remote-interface');

async function main() {
  const where = process.argv[2];
  const options = /^wss?:/i.test(where) ? { target: where } : { host: '127.0.0.1', port: Number(where) };
  const client = await CDP(options);
  try {
    const { result } = await client.Runtime.evaluate({ expression: '6*7' });
    const prepared = typeof client.Debugger.setBreakpointByUrl === 'function';
    console.log(JSON.stringify({ value: result.value, prepared }));
  } finally {
    await client.close();
  }
}

main().catch((error) => {
  console.log(JSON.stringify({ error: String(error && error.message || error) }));
  process.exit(1);
});
