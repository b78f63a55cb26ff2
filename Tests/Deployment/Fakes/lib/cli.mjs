// Shared pieces of the fake command-line tools: argument parsing, the error a real tool would print, and the
// npm packages the fakes use (installed with the deployment validators, Tests/Infra/validation).
import { createRequire } from "node:module";
import { readFileSync, existsSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const requireTool = createRequire(new URL("../../../Infra/validation/package.json", import.meta.url));

/** A refusal, as the real tool gives it: its message (on stderr, unless the tool prints it on stdout) and its exit code. */
export class ToolError extends Error {
  constructor(message, exitCode = 1, stream = "stderr") {
    super(message);
    this.exitCode = exitCode;
    this.stream = stream;
  }
}

/** A call the fakes do not model fails the test: the hooks may only do what has been modelled. */
export class Unmodelled extends ToolError {
  constructor(tool, args) {
    super(`fake ${tool}: no model of '${args.join(" ")}'`, 2);
  }
}

// Options that take no value, in the tools we model.
const FLAGS = new Set(["--all", "--overwrite-existing", "--wait", "--overwrite", "--server-side", "--no-prompt", "--no-wait",
  "--quiet", "--rm", "-i", "--password-stdin", "--force-conflicts", "--service-principal", "--ignore-not-found", "--all-namespaces",
  "-k", "-ks", "-sS"]);

/** The words of a command (every argument that is neither an option nor an option's value) and its options by name. */
export function parse(args) {
  const words = [];
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith("-") && arg.length > 1 && arg !== "-") {
      const eq = arg.indexOf("=");
      const [name, inline] = eq > 0 && arg.startsWith("--") ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
      options[name] = inline ?? (FLAGS.has(name) || i + 1 >= args.length || args[i + 1].startsWith("--") ? true : args[++i]);
    } else {
      words.push(arg);
    }
  }
  return { words, options };
}

/** The content of a file argument (`@path` for az), or of every YAML file in a folder (kubectl -f folder). */
export function capture(path) {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    return readdirSync(path).filter(f => /\.ya?ml$/.test(f)).sort().map(f => readFileSync(join(path, f), "utf8")).join("\n---\n");
  }
  return readFileSync(path, "utf8");
}

/** An az argument that may be a JSON document or `@file`. */
export function jsonArgument(value, what) {
  if (value === undefined || value === true) throw new ToolError(`ERROR: argument ${what}: expected one argument`, 2);
  const text = value.startsWith("@") ? capture(value.slice(1)) : value;
  if (text === undefined) throw new ToolError(`ERROR: ${what}: file not found: ${value.slice(1)}`, 2);
  try {
    return JSON.parse(text);
  } catch {
    throw new ToolError(`ERROR: Failed to parse string as JSON:\n${text}`, 2);
  }
}
