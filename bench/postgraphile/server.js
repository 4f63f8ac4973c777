// PostGraphile 4 over casehub's benchmark database: the peer in bench/run.py.
// Settings are those PostGraphile's docs recommend for production: no GraphiQL, no query log,
// no watch mode, no stack traces. connection-filter (with relation filters) answers Q3's
// "recipients of one township" the way PostGraphile users filter.
// Usage: DATABASE_URL=postgres://... PORT=8102 node server.js
"use strict";
const http = require("http");
const { postgraphile } = require("postgraphile");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT || 8102);

const middleware = postgraphile(databaseUrl, "public", {
  appendPlugins: [ConnectionFilterPlugin],
  graphileBuildOptions: { connectionFilterRelations: true },
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  legacyRelations: "omit",
  disableQueryLog: true,
  graphiql: false,
  watchPg: false,
  showErrorStack: false,
  extendedErrors: [],
  retryOnInitFail: false,
});

http.createServer(middleware).listen(port, "127.0.0.1", () => {
  console.log(`postgraphile listening on http://127.0.0.1:${port}/graphql`);
});
