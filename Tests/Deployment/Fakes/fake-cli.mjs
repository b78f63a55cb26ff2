// Recording fakes of the command-line tools the hooks, the delivery scripts and the one-time bootstrap call: az, azd,
// kubectl, kubelogin, docker, curl, gh, getent and sleep. The real hooks and scripts run with shims on PATH that start
// this file. It answers as the real tools answer (their output shapes, error texts and exit codes, each from the
// tool's source or documentation, cited beside the rule in lib/), keeps the fake cloud's state and its clock between
// calls (lib/clock.mjs), and enforces the rules of the real services that our calls depend on (lib/graph.mjs,
// lib/arm.mjs, lib/identity.mjs, lib/kubectl.mjs, lib/azd.mjs, lib/github.mjs; Tests/Deployment/FakeCloudRulesTests.cs
// shows each rule refusing its defect). It logs every call as the process received it, with the content of every
// file it was handed. A call it does not model fails with exit code 2, so nothing unmodelled passes.
//   FAKE_STATE: the state (JSON)   FAKE_LOG: JSON lines, one per call   FAKE_ROOT: the repository (azd's project)
//   FAKE_PROVISION: what the Bicep deployment creates (outputs and resources), prepared by the test harness
// A scenario may inject faults that no rule models, a tool misbehaving (state.faults: [{ call, after, output,
// error, exitCode }]): a call whose words start with `call` ("kubectl get deployment") answers `output`, or fails
// with `error`, once `after` such calls went through normally.
import { readFileSync, appendFileSync } from "node:fs";
import { ToolError, Unmodelled, parse, capture } from "./lib/cli.mjs";
import { load, save } from "./lib/state.mjs";
import { advance } from "./lib/clock.mjs";
import { format } from "./lib/output.mjs";
import * as graph from "./lib/graph.mjs";
import * as arm from "./lib/arm.mjs";
import { kubectl } from "./lib/kubectl.mjs";
import { azdCommand } from "./lib/azd.mjs";
import { docker } from "./lib/docker.mjs";
import { curl, getent } from "./lib/network.mjs";
import { gh } from "./lib/github.mjs";

const [tool, ...args] = process.argv.slice(2);
const statePath = process.env.FAKE_STATE;
const state = load(statePath);
const files = {};
for (const [i, arg] of args.entries()) {
  if (arg.startsWith("@") && arg !== "@-") files[i] = capture(arg.slice(1)) ?? `<missing ${arg.slice(1)}>`;
  if (arg === "-f" && args[i + 1] !== "-") files[i + 1] = capture(args[i + 1]) ?? `<missing ${args[i + 1]}>`;
}
const stdin = () => (state.stdin ??= readFileSync(0, "utf8"));
if (tool === "kubectl" && args.includes("-") && args[args.indexOf("-") - 1] === "-f") stdin();
// A16 (lib/arm.mjs): az reads an argument written @- from its standard input, with the trailing newline removed.
const expanded = tool === "az" ? args.map(a => (a === "@-" ? stdin().replace(/\r?\n$/, "") : a)) : args;

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
  const parsed = parse(expanded);
  // Every call takes a second of the fake cloud's time; `sleep` takes what it is asked.
  advance(state, tool === "sleep" ? 0 : 1);
  const fault = injectedFault(state, tool, parsed.words);
  if (fault?.error !== undefined) throw new ToolError(fault.error, fault.exitCode ?? 1);
  switch (fault?.output !== undefined ? "__fault__" : tool) {
    case "__fault__":
      out = fault.output;
      break;
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
    case "kubelogin": {
      // kubelogin convert-kubeconfig rewrites the kubeconfig to run `kubelogin get-token` in the given login mode
      // (Azure/kubelogin, pkg/internal/token/options.go: azurecli, azd, ...); the fake kubectl then gets its token the
      // same way (lib/kubectl.mjs K1).
      const mode = parsed.options["-l"] ?? parsed.options["--login"];
      if (parsed.words[0] !== "convert-kubeconfig" || !["azurecli", "azd"].includes(mode)) throw new Unmodelled("kubelogin", args);
      if (!state.kubeconfig) throw new ToolError("Error: no kubeconfig found: run `az aks get-credentials` first");
      state.kubeconfig.converted = true;
      state.kubeconfig.login = mode;
      break;
    }
    case "docker":
      out = docker(state, parsed, args);
      break;
    case "curl":
      out = curl(state, parsed, args);
      break;
    case "getent":
      out = getent(state, parsed, args);
      break;
    case "gh":
      out = gh(state, parsed, args);
      break;
    case "sleep": {
      // coreutils sleep: a number of seconds (a suffix s, m or h).
      const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(parsed.words[0] ?? "");
      if (!m || parsed.words.length !== 1) throw new Unmodelled("sleep", args);
      advance(state, Math.ceil(Number(m[1]) * { "": 1, s: 1, m: 60, h: 3600 }[m[2]]));
      break;
    }
    default:
      throw new Unmodelled(tool, args);
  }
} catch (error) {
  if (!(error instanceof ToolError)) throw error;
  if (error.stream === "stdout") out = error.message + "\n";
  else err = error.message;
  code = error.exitCode;
}

/** The scenario's fault for this call, if its turn has come (each matching call counts). */
function injectedFault(state, tool, words) {
  const call = [tool, ...words].join(" ");
  const fault = (state.faults ?? []).find(f => call === f.call || call.startsWith(f.call + " "));
  if (!fault) return undefined;
  fault.seen = (fault.seen ?? 0) + 1;
  return fault.seen > (fault.after ?? 0) ? fault : undefined;
}

delete state.stdin;
save(statePath, state);
appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool, args, files, exitCode: code, clock: state.clock }) + "\n");
process.stdout.write(out);
if (err) process.stderr.write(err + "\n");
process.exit(code);
