// curl against the deployed public host, for the smoke test: what the Gateway and the services answer, as the
// scenario's world says they are (a broken release answers 503 everywhere).
import { ToolError, Unmodelled } from "./cli.mjs";

export function curl(state, parsed, args) {
  const url = parsed.words.find(w => /^https?:\/\//.test(w));
  if (!url) throw new Unmodelled("curl", args);
  const { hostname, pathname } = new URL(url);
  // A host is served once azd deployed an environment whose WEB_HOSTNAME it is; a release the scenario broke answers 503.
  const site = state.sites?.[hostname];
  if (!site) throw new ToolError(`curl: (6) Could not resolve host: ${hostname}`, 6);
  const broken = site.broken === true;
  const status = broken ? 503 : pathname === "/alive" ? 200 : pathname.startsWith("/v1/") ? 401 : pathname === "/" ? 302 : 404;
  const format = parsed.options["-w"] ?? parsed.options["--write-out"];
  return format === "%{http_code}" ? String(status) : "";
}
