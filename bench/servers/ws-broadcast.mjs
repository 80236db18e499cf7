// The physical floor of `bench:fanout`: a raw `ws` broadcast server in Node. Every text frame is
// relayed verbatim to every open connection (the sender included); no auth, nothing stored.
//
//   node bench/servers/ws-broadcast.mjs <port>

import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 8795);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false, backlog: 4096 });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    for (const c of wss.clients) if (c.readyState === 1) c.send(data, { binary: isBinary });
  });
  ws.on("error", () => undefined);
});
wss.on("listening", () => console.log(`ws-broadcast listening on 127.0.0.1:${port}`));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => wss.close(() => process.exit(0)));
