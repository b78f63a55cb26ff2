// Recording fakes of the command-line tools the hooks and the delivery workflows call: az, azd, kubectl, kubelogin,
// docker and curl. The real hooks and workflow steps run with shims on PATH that start this file. It answers as the
// real tools answer (their output shapes and exit codes), keeps the fake cloud's state between calls, and enforces the
// rules of the real services that our calls depend on (lib/graph.mjs, lib/arm.mjs, lib/kubectl.mjs; each rule names
// its source and Tests/Deployment/FakeCloudRulesTests.cs shows it refusing its defect). It logs every call with the
// content of every file it was handed. A call it does not model fails with exit code 2, so nothing unmodelled passes.
//   FAKE_STATE: the state (JSON)   FAKE_LOG: JSON lines, one per call   FAKE_ROOT: the repository (azd's project)
//   FAKE_PROVISION: what the Bicep deployment creates (outputs and resources), prepared by the test harness
import { readFileSync, appendFileSync } from "node:fs";
import { ToolError, Unmodelled, parse, capture } from "./lib/cli.mjs";
import { load, save } from "./lib/state.mjs";
import { format } from "./lib/output.mjs";
import * as graph from "./lib/graph.mjs";
import * as arm from "./lib/arm.mjs";
import { kubectl } from "./lib/kubectl.mjs";
import { azdCommand } from "./lib/azd.mjs";
import { docker } from "./lib/docker.mjs";
import { curl } from "./lib/curl.mjs";

const [tool, ...args] = process.argv.slice(2);
const statePath = process.env.FAKE_STATE;
const state = load(statePath);
const files = {};
for (const [i, arg] of args.entries()) {
  if (arg.startsWith("@")) files[i] = capture(arg.slice(1)) ?? `<missing ${arg.slice(1)}>`;
  if (arg === "-f" && args[i + 1] !== "-") files[i + 1] = capture(args[i + 1]) ?? `<missing ${args[i + 1]}>`;
}
if (tool === "kubectl" && args.includes("-") && args[args.indexOf("-") - 1] === "-f") state.stdin = readFileSync(0, "utf8");

const io = {
  root: process.env.FAKE_ROOT,
  provisionFile: process.env.FAKE_PROVISION,
  save: () => save(statePath, state),
  // A hook changed the state on disk: take it back in place (the objects this process holds stay valid).
  reload: () => {
    const fresh = load(statePath);
    for (const key of Object.keys(state)) delete state[key];
    Object.assign(state, fresh);
  },
};

let out = "", err = "", code = 0;
try {
  const parsed = parse(args);
  switch (tool) {
    case "az": {
      if (parsed.words[0] === "rest") {
        const url = new URL(parsed.options["--url"] ?? parsed.options["--uri"]);
        const method = String(parsed.options["--method"] ?? "get").toUpperCase();
        const body = parsed.options["--body"] ? JSON.parse(parsed.options["--body"].startsWith("@") ? capture(parsed.options["--body"].slice(1)) : parsed.options["--body"]) : undefined;
        const result = url.hostname === "graph.microsoft.com" ? graph.rest(state, method, url, body, args) : url.hostname === "management.azure.com" ? arm.rest(state, method, url, args) : (() => { throw new Unmodelled("az", args); })();
        out = format(result, parsed.options);
      } else if (parsed.words[0] === "ad") {
        out = format(graph.az(state, parsed, args), parsed.options);
      } else {
        out = format(arm.az(state, parsed, args), parsed.options);
      }
      break;
    }
    case "azd":
      out = azdCommand(state, parsed, args, io);
      break;
    case "kubectl":
      out = kubectl(state, parsed, args).out;
      break;
    case "kubelogin":
      if (parsed.words[0] !== "convert-kubeconfig" || parsed.options["-l"] !== "azurecli") throw new Unmodelled("kubelogin", args);
      if (!state.kubeconfig) throw new ToolError("Error: no kubeconfig found: run `az aks get-credentials` first");
      state.kubeconfig.converted = true;
      break;
    case "docker":
      out = docker(state, parsed, args);
      break;
    case "curl":
      out = curl(state, parsed, args);
      break;
    default:
      throw new Unmodelled(tool, args);
  }
} catch (error) {
  if (!(error instanceof ToolError)) throw error;
  err = error.message;
  code = error.exitCode;
}

delete state.stdin;
save(statePath, state);
appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool, args, files, exitCode: code }) + "\n");
process.stdout.write(out);
if (err) process.stderr.write(err + "\n");
process.exit(code);
