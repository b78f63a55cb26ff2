// How az prints a result: JMESPath --query applied to the JSON first (az evaluates it client-side with the same
// language, jmespath.org), then the -o format. A result of null prints nothing.
import { requireTool } from "./cli.mjs";

const jmespath = requireTool("jmespath");

export function format(result, options) {
  let value = result;
  if (options["--query"] !== undefined && value !== undefined) value = jmespath.search(value, options["--query"]);
  if (value === undefined || value === null) return "";
  const output = options["-o"] ?? options["--output"] ?? "json";
  if (output === "tsv") return tsv(value);
  if (output === "none") return "";
  return JSON.stringify(value, null, 2) + "\n";
}

// az's tsv: one line per list item, the values of an object separated by tabs, nested values left out.
function tsv(value) {
  const line = v => (v !== null && typeof v === "object" ? Object.values(v).filter(x => x === null || typeof x !== "object").map(x => x ?? "").join("\t") : String(v));
  return (Array.isArray(value) ? value.map(line) : [line(value)]).join("\n") + "\n";
}
