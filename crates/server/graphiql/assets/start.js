// Starts GraphiQL on the page the gateway serves at /graphiql. A file of its own, not an inline
// script, so the page's Content-Security-Policy can allow scripts from the gateway only.
//
// The token comes from the URL fragment (`/graphiql#token=…`), which browsers never send to a
// server; the example operations come from the page's JSON data block.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.hash.slice(1));
  var token = params.get("token");
  var headers = JSON.stringify(
    { Authorization: "Bearer " + (token || "<paste a token from `partnergraph token --email …`>") },
    null,
    2,
  );
  var examples = JSON.parse(document.getElementById("partnergraph-examples").textContent);
  var tabs = examples.map(function (tab) {
    return Object.assign({ headers: headers }, tab);
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: new URL("/graphql", window.location.origin).toString() }),
      defaultHeaders: headers,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
