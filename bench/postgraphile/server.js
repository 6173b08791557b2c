// PostGraphile 4.14.1 on the benchmark database, for comparison with relay-graph.
// Usage: node server.js DATABASE_URL PORT
// It serves POST /graphql on 127.0.0.1 only, with the options a production setup uses:
// no GraphiQL, no query log and no schema watching.
"use strict";

const http = require("http");
const { postgraphile } = require("postgraphile");

const [databaseUrl, port] = process.argv.slice(2);
if (!databaseUrl || !port) {
  console.error("usage: node server.js DATABASE_URL PORT");
  process.exit(2);
}

const middleware = postgraphile(databaseUrl, "public", {
  // `assignmentsByContactIdList` returns a plain list, as relay-graph's `assignments` does.
  simpleCollections: "both",
  graphiql: false,
  disableQueryLog: true,
  watchPg: false,
  retryOnInitFail: false,
  setofFunctionsContainNulls: false,
});

const server = http.createServer(middleware);
server.listen(Number(port), "127.0.0.1", () => {
  console.log(`PostGraphile listening on 127.0.0.1:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
