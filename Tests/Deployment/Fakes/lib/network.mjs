// What a machine outside the cluster reaches: public DNS (getent) and the services behind a cluster's Gateway (curl).
//   N1 A host resolves only through a record someone created (state.dns): a new deployment has none, and nothing
//      in azd or the template makes one. getent prints nothing and exits 2 for a name it cannot find (glibc getent(1):
//      "One or more supplied key could not be found in the database"); curl fails with exit code 6: "curl: (6) Could
//      not resolve host: <host>" (curl(1), EXIT CODES).
//   N2 `curl --resolve host:port:address` connects to that address for that host and port, whatever DNS says, and still
//      sends the host's name (SNI, Host header) (curl(1), --resolve). An address nothing listens on fails with exit
//      code 7 (curl: (7) Failed to connect to ...).
//   N3 A cluster's Gateway gets its public address from the app routing add-on once the Gateway object exists
//      (status.addresses, Gateway API GatewayStatus). Behind it, each host's routes answer as the deployed release
//      answers (a release the scenario broke answers 503 everywhere); a host no route names gets 404 (Envoy's answer
//      for an unmatched virtual host).
import { ToolError, Unmodelled } from "./cli.mjs";

function clusters(state) {
  return Object.values(state.subscriptions).flatMap(s => Object.values(s.resourceGroups ?? {}).flatMap(g => Object.values(g.clusters ?? {})));
}

export function curl(state, parsed, args) {
  const url = parsed.words.find(w => /^https?:\/\//.test(w));
  if (!url) throw new Unmodelled("curl", args);
  const { hostname, pathname, protocol } = new URL(url);
  const port = protocol === "https:" ? "443" : "80";
  // N2
  const resolve = parsed.options["--resolve"];
  const pinned = typeof resolve === "string" && resolve.startsWith(`${hostname}:${port}:`) ? resolve.slice(`${hostname}:${port}:`.length) : undefined;
  // N1
  const address = pinned ?? state.dns?.[hostname];
  if (!address) throw new ToolError(`curl: (6) Could not resolve host: ${hostname}`, 6);
  // N3
  const cluster = clusters(state).find(c => c.gatewayAddress === address && c.objects?.["Gateway/llmchat-gateway/llmchat"]);
  if (!cluster) throw new ToolError(`curl: (7) Failed to connect to ${hostname} port ${port} after 3 ms: Couldn't connect to server`, 7);
  const site = cluster.site;
  const status = !site || !site.hostnames.includes(hostname) ? 404
    : site.broken ? 503
    : pathname === "/alive" ? 200 : pathname.startsWith("/v1/") ? 401 : pathname === "/" ? 302 : 404;
  const format = parsed.options["-w"] ?? parsed.options["--write-out"];
  return format === "%{http_code}" ? String(status) : "";
}

export function getent(state, parsed, args) {
  const [database, host] = parsed.words;
  if (!["hosts", "ahostsv4"].includes(database) || !host) throw new Unmodelled("getent", args);
  // N1
  const address = state.dns?.[host];
  if (!address) throw new ToolError("", 2);
  return database === "hosts" ? `${address}       ${host}\n` : `${address}       STREAM ${host}\n${address}       DGRAM  \n${address}       RAW    \n`;
}
