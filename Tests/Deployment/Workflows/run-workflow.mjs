// Runs a GitHub Actions workflow of this repository the way the Actions runner would, offline, for the deployment
// tests (Tests/Deployment/WorkflowTests.cs). Parsed and validated by GitHub's own parser (@actions/workflow-parser);
// every expression evaluated by GitHub's own evaluator (@actions/expressions), with the status functions success(),
// failure(), always() and cancelled() as the runner defines them. It decides whether the event triggers the workflow,
// orders the jobs by `needs`, evaluates each `if`, `env` and output, and runs each `run:` step under bash (GitHub's
// default shell on Linux: bash --noprofile --norc -eo pipefail) with GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH, the
// recording fakes first on PATH. Each `uses:` step runs its stand-in (STAND_INS below, each documenting what it does
// in place of the action); a `uses:` step without one fails its job. Every job starts on a fresh runner: nothing of
// the previous job's machine is left (az's and azd's sign-ins, azd's local environments and config, the kubeconfig).
// A job that may request an OIDC token (`permissions: id-token: write`) gets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN;
// its token's subject is GitHub's default: `repo:<owner>/<repo>:environment:<name>` for a job with an environment,
// else `repo:<owner>/<repo>:ref:<ref>` (GitHub docs, "OpenID Connect reference", subject claims). A job whose
// environment's deployment a reviewer rejects fails without running a step.
//   node --import ./json-modules.mjs run-workflow.mjs <scenario.json> <trace.json>
// scenario: { root, workflow, content (instead of the file's), event (none: parse only), payload,
//             github: {sha, ref, repository}, vars, environments: {name: {vars, rejected}}, inputs,
//             environment: {NAME: value} (the processes' base environment), stubs: {run text: exit code} }
// trace: { errors, uses (every action the workflow names), standIns (the actions this runner can play), triggered,
//          jobs: [{ id, environment, result, outputs, steps: [{ name, uses, outcome, output }] }] }
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";

// The packages are installed with the deployment validators (Tests/Infra/validation); the @actions ones are ES modules
// whose package exports have no require condition, so they are imported by path.
const validation = new URL("../../Infra/validation/", import.meta.url);
const packages = createRequire(new URL("package.json", validation));
const workflowParser = await import(new URL("node_modules/@actions/workflow-parser/dist/index.js", validation));
const expressions = await import(new URL("node_modules/@actions/expressions/dist/index.js", validation));
// The evaluator's truthiness (GitHub's: null, false, 0, NaN and "" are false), which its index does not export.
const { truthy: isTruthy } = await import(new URL("node_modules/@actions/expressions/dist/result.js", validation));
const { data, Lexer, Parser, Evaluator } = expressions;
const { isBasicExpression, isString, isNumber, isBoolean, isSequence, isMapping } = workflowParser;
const YAML = packages("yaml");

const [scenarioFile, traceFile] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioFile, "utf8"));
const root = scenario.root;
const trace = { workflow: scenario.workflow, triggered: false, errors: [], uses: [], standIns: [], jobs: [] };

// --- parse and validate ------------------------------------------------------------------------------------------
const content = scenario.content ?? readFileSync(join(root, ".github", "workflows", scenario.workflow), "utf8");
const parsed = workflowParser.parseWorkflow({ name: scenario.workflow, content }, new workflowParser.NoOperationTraceWriter());
const template = await workflowParser.convertWorkflowTemplate(parsed.context, parsed.value);
trace.errors = [...parsed.context.errors.getErrors().map(e => e.message), ...(template.errors ?? []).map(e => e.Message)];
if (trace.errors.length > 0) finish();

// The raw mapping of each job and step: the converted model leaves out `with`, `permissions` and `working-directory`.
const raw = mappingToObject(parsed.value);

// --- expressions -------------------------------------------------------------------------------------------------
function toData(value) {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver);
}

function toPlain(value) {
  switch (value.kind) {
    case data.Kind.Null: return null;
    case data.Kind.Boolean: case data.Kind.Number: case data.Kind.String: return value.value;
    case data.Kind.Array: return value.values().map(toPlain);
    case data.Kind.Dictionary: return Object.fromEntries(value.pairs().map(p => [p.key, toPlain(p.value)]));
    default: return value.coerceString();
  }
}

function evaluateExpression(expression, contexts, status) {
  const statusFunctions = [
    { name: "success", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.success()) },
    { name: "failure", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.failure()) },
    { name: "always", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
    { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(false) },
  ];
  const lexed = new Lexer(expression).lex();
  const tree = new Parser(lexed.tokens, Object.keys(contexts), statusFunctions).parse();
  const dictionary = new data.Dictionary(...Object.entries(contexts).map(([key, value]) => ({ key, value: toData(value) })));
  return new Evaluator(tree, dictionary, new Map(statusFunctions.map(f => [f.name, f]))).evaluate();
}

/** A template token's value, its expressions evaluated (a string with ${{ }} in it is a format() expression). */
function evaluate(token, contexts, status = STATUS_SUCCESS) {
  if (token === undefined || token === null) return undefined;
  if (isBasicExpression(token)) return toPlain(evaluateExpression(token.expression, contexts, status));
  if (isString(token) || isNumber(token) || isBoolean(token)) return token.value;
  if (isSequence(token)) return [...token].map(t => evaluate(t, contexts, status));
  if (isMapping(token)) return Object.fromEntries([...token].map(p => [String(evaluate(p.key, contexts, status)), evaluate(p.value, contexts, status)]));
  return null;
}

function truthy(token, contexts, status) {
  return isTruthy(evaluateExpression(token.expression, contexts, status));
}

const STATUS_SUCCESS = { success: () => true, failure: () => false };

// The runner machine's environment: this process's (its PATH leads to the fakes), without anything of a developer's
// own Azure, azd or GitHub settings: a step sees only what the workflow gives it.
const machine = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AZURE_|AZD_|ACTIONS_|GITHUB_|ARM_)/.test(key)));

function mappingToObject(token) {
  if (!token) return undefined;
  if (isMapping(token)) return Object.fromEntries([...token].map(p => [p.key.value, p.value]));
  return token;
}

// --- trigger -----------------------------------------------------------------------------------------------------
function glob(pattern, value) {
  return new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*") + "$").test(value);
}

function triggered() {
  const filters = template.events[scenario.event];
  if (!filters) return false;
  const payload = scenario.payload ?? {};
  if (scenario.event === "push") {
    const branch = (scenario.github.ref ?? "").replace(/^refs\/heads\//, "");
    return !filters.branches || filters.branches.some(b => glob(b, branch));
  }
  if (scenario.event === "workflow_run") {
    return (!filters.workflows || filters.workflows.includes(payload.workflow_run?.name))
      && (!filters.types || filters.types.includes(payload.action))
      && (!filters.branches || filters.branches.some(b => glob(b, payload.workflow_run?.head_branch ?? "")));
  }
  return true;
}

// --- stand-ins for the actions the workflows use -------------------------------------------------------------------
function fakeTool(tool, args, env) {
  const result = spawnSync(tool, args, { cwd: root, env, encoding: "utf8" });
  return { code: result.status ?? 1, output: (result.stdout ?? "") + (result.stderr ?? "") };
}

function fakeState(change) {
  const path = scenario.environment?.FAKE_STATE ?? process.env.FAKE_STATE;
  const state = JSON.parse(readFileSync(path, "utf8"));
  change(state);
  writeFileSync(path, JSON.stringify(state, null, 2));
}

// Each action is pinned to the commit of a release: a tag can be moved to other code, a commit cannot (GitHub docs,
// "Security hardening for GitHub Actions", using third-party actions: pinning to a full-length commit SHA). The commits
// below were read from each action's own repository (`git rev-list -n 1 <tag>`); a `uses:` naming a tag, a branch or
// any other commit has no stand-in here and fails its job.
const PINS = {
  "actions/checkout": { "11d5960a326750d5838078e36cf38b85af677262": "v4.4.0" },
  "actions/setup-dotnet": { "67a3573c9a986a3f9c594539f4ab511d57bb3ce9": "v4.3.1" },
  "actions/setup-node": { "49933ea5288caeca8642d1e84afbd3f7d6820020": "v4.4.0" },
  "actions/upload-artifact": { "ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2" },
  "azure/setup-azd": { "0b7e3a35ab00f2eee7080c845eb39c3f0ebfa553": "v2.4.0" },
  "azure/setup-kubectl": { "776406bce94f63e41d621b960d78ee25c8b76ede": "v4.0.1" },
  "azure/use-kubelogin": { "0ce7c36141aa27d4934872cf00b0120804c98a29": "v1.3" },
  "azure/login": { "7184910d9eb2b1c5e48f7073824a90609bb9b6d6": "v2.3.1" },
};

/** The stand-in for a `uses:` (owner/repo@commit), or a failure that says why there is none. */
function standInFor(uses) {
  const [repository, ref] = uses.split("@");
  const play = STAND_INS[repository.toLowerCase()];
  if (!play) return () => ({ code: 1, output: `no stand-in for ${uses}: the workflow runner cannot play it` });
  if (!PINS[repository.toLowerCase()]?.[ref]) {
    return () => ({ code: 1, output: `${uses}: not pinned to a release's commit (${Object.entries(PINS[repository.toLowerCase()]).map(([sha, tag]) => `${sha} is ${tag}`).join(", ")})` });
  }
  return play;
}

const STAND_INS = {
  // Checks out `ref` (default: the event's sha). The workspace is the repository under test; the stand-in records the
  // commit, which is what the fake azd's deploy reports as deployed.
  "actions/checkout": (inputs, context) => {
    const sha = inputs.ref || context.github.sha;
    fakeState(state => { state.checkout = { sha }; });
    return { code: 0, output: `checked out ${sha}` };
  },
  // Installs the SDK that global.json names: the machine's SDK stands in; the file must exist.
  "actions/setup-dotnet": inputs => existsSync(join(root, inputs["global-json-file"] ?? "global.json")) ? { code: 0, output: "" } : { code: 1, output: "global.json not found" },
  "actions/setup-node": inputs => inputs["node-version"] ? { code: 0, output: "" } : { code: 1, output: "node-version is required here" },
  // Installs azd, kubectl and kubelogin: the recording fakes are already first on PATH.
  "azure/setup-azd": () => ({ code: 0, output: "" }),
  "azure/setup-kubectl": () => ({ code: 0, output: "" }),
  "azure/use-kubelogin": inputs => inputs["kubelogin-version"] ? { code: 0, output: "" } : { code: 1, output: "kubelogin-version is required" },
  // Signs az in with the workflow's OIDC token (which needs `id-token: write`), as azure/login does:
  // `az login --service-principal` with a federated token, then `az account set`.
  "azure/login": (inputs, context, env) => {
    if (context.permissions?.["id-token"] !== "write") return { code: 1, output: "azure/login: the workflow may not request an OIDC token (permissions: id-token: write)" };
    for (const key of ["client-id", "tenant-id", "subscription-id"]) if (!inputs[key]) return { code: 1, output: `azure/login: ${key} is empty` };
    const login = fakeTool("az", ["login", "--service-principal", "--username", inputs["client-id"], "--tenant", inputs["tenant-id"], "--federated-token", `github-oidc:${context.subject}`], env);
    if (login.code !== 0) return login;
    return fakeTool("az", ["account", "set", "--subscription", inputs["subscription-id"]], env);
  },
  // Uploads an artifact: nothing to keep here.
  "actions/upload-artifact": () => ({ code: 0, output: "" }),
};

trace.standIns = Object.entries(PINS).flatMap(([repository, pins]) => Object.keys(pins).map(sha => `${repository}@${sha}`));
trace.uses = actionsUsed();

// --- jobs --------------------------------------------------------------------------------------------------------
function finish() {
  // The run, as GitHub lists it (its conclusion: failure if any job failed), for `gh api .../runs` (lib/github.mjs).
  if (trace.triggered) {
    fakeState(state => {
      ((state.github ??= {}).runs ??= []).push({
        workflow: scenario.workflow, event: scenario.event, head_sha: scenario.github.sha,
        head_branch: (scenario.github.ref ?? "").replace(/^refs\/heads\//, ""),
        conclusion: trace.jobs.some(j => j.result === "failure") ? "failure" : "success",
      });
    });
  }
  writeFileSync(traceFile, JSON.stringify(trace, null, 2));
  process.exit(0);
}

trace.triggered = scenario.event !== undefined && triggered();
if (!trace.triggered) finish();

const workflowPermissions = evaluate(raw.permissions, {});
const results = {};
const pending = [...template.jobs];
while (pending.length > 0) {
  const index = pending.findIndex(j => (j.needs ?? []).every(n => results[n.value]));
  if (index < 0) throw new Error("needs form a cycle");
  const [job] = pending.splice(index, 1);
  results[job.id.value] = runJob(job);
}
finish();

function runJob(job) {
  const id = job.id.value;
  const needs = Object.fromEntries((job.needs ?? []).map(n => [n.value, results[n.value]]));
  const jobRaw = mappingToObject(mappingToObject(raw.jobs)[id]);
  const environmentName = evaluate(job.environment, { github: github(), needs, vars: scenario.vars ?? {}, inputs: scenario.inputs ?? {} });
  // Environment names are case-insensitive on GitHub (the workflow's spelling still goes into the OIDC subject).
  const environmentSpelling = typeof environmentName === "string" ? environmentName : environmentName?.name;
  const environmentSettings = Object.entries(scenario.environments ?? {}).find(([name]) => name.toLowerCase() === environmentSpelling?.toLowerCase())?.[1];
  const environmentVars = environmentSettings?.vars ?? {};
  const repository = scenario.github.repository ?? "contoso/llmchat";
  const vars = { ...(scenario.vars ?? {}), ...environmentVars };
  // The job's GITHUB_TOKEN, with the job's permissions (or the workflow's), as the fake gh checks them.
  const token = `ghs_${id}_${Math.random().toString(36).slice(2, 12)}`;
  const base = { github: { ...github(), token }, needs, vars, inputs: scenario.inputs ?? {}, secrets: {}, matrix: {}, strategy: {}, runner: { os: "Linux", temp: "" } };
  const jobStatus = { success: () => Object.values(needs).every(n => n.result === "success"), failure: () => Object.values(needs).some(n => n.result === "failure") };
  const record = { id, environment: environmentName ?? null, result: "skipped", outputs: {}, steps: [] };
  trace.jobs.push(record);
  if (!truthy(job.if, base, jobStatus)) return record;

  const environmentKey = environmentSpelling;
  if (environmentSettings?.rejected) {
    record.result = "failure";
    record.rejected = true;
    return record;
  }

  // A fresh runner: nobody signed in, no azd environment or config, no kubeconfig from another job's machine.
  fakeState(state => {
    state.kubeconfig = null;
    state.account = { selected: null, visible: [], principal: null };
    if (state.azd) Object.assign(state.azd, { environments: {}, selected: null, remote: null, signedIn: null });
  });
  const temp = mkdtempSync(join(tmpdir(), `runner-${id}-`));
  const env = { ...evaluate(template.env, base) ?? {}, ...evaluate(job.env, base) ?? {} };
  const steps = {};
  let failed = false;
  let checkedOut = false;
  const stepStatus = { success: () => !failed, failure: () => failed };
  const permissions = evaluate(jobRaw.permissions, base) ?? workflowPermissions;
  fakeState(state => { ((state.github ??= {}).tokens ??= {})[token] = { permissions: permissions ?? {}, job: id }; });
  const subject = environmentKey ? `repo:${repository}:environment:${environmentKey}` : `repo:${repository}:ref:${scenario.github.ref}`;
  const oidc = permissions?.["id-token"] === "write"
    ? { ACTIONS_ID_TOKEN_REQUEST_URL: `https://pipelines.actions.githubusercontent.test/oidc/token?subject=${encodeURIComponent(subject)}`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request-token" }
    : {};
  const rawSteps = [...(jobRaw.steps ?? [])].map(mappingToObject);
  job.steps.forEach((step, i) => {
    const contexts = { ...base, env, steps, job: { status: failed ? "failure" : "success" }, runner: { os: "Linux", temp } };
    const name = evaluate(step.name, contexts) ?? (step.uses ? step.uses.value : evaluate(step.run, contexts)?.split("\n")[0]);
    const stepRecord = { id: step.id, name, uses: step.uses?.value ?? null, outcome: "skipped", output: "" };
    record.steps.push(stepRecord);
    if (!truthy(step.if, contexts, stepStatus)) return;
    const stepEnv = { ...env, ...(evaluate(step.env, contexts) ?? {}) };
    const processEnv = {
      ...machine, ...scenario.environment, ...stepEnv, ...oidc, CI: "true", GITHUB_ACTIONS: "true", RUNNER_TEMP: temp, RUNNER_OS: "Linux",
      GITHUB_SHA: contexts.github.sha, GITHUB_REF: contexts.github.ref, GITHUB_WORKSPACE: root, GITHUB_EVENT_NAME: scenario.event, GITHUB_JOB: id,
      GITHUB_REPOSITORY: repository,
    };
    let result;
    if (step.uses) {
      const inputs = evaluate(rawSteps[i].with, contexts) ?? {};
      const context = { ...contexts, permissions, subject };
      if (step.uses.value.startsWith("./")) {
        result = runLocalAction(step.uses.value, inputs, context, processEnv, checkedOut);
      } else {
        result = standInFor(step.uses.value)(inputs, context, processEnv);
        if (step.uses.value.startsWith("actions/checkout@") && result.code === 0) checkedOut = true;
      }
    } else {
      const script = evaluate(step.run, contexts);
      const files = { GITHUB_OUTPUT: join(temp, `output-${i}`), GITHUB_ENV: join(temp, `env-${i}`), GITHUB_PATH: join(temp, `path-${i}`) };
      for (const file of Object.values(files)) writeFileSync(file, "");
      if (scenario.stubs && Object.hasOwn(scenario.stubs, script.trim())) {
        result = { code: scenario.stubs[script.trim()], output: "(stubbed by the scenario)" };
      } else {
        const path = join(temp, `step-${i}.sh`);
        writeFileSync(path, script);
        const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path], { cwd: evaluate(rawSteps[i]["working-directory"], contexts) ?? root, env: { ...processEnv, ...files }, encoding: "utf8" });
        result = { code: run.status ?? 1, output: (run.stdout ?? "") + (run.stderr ?? "") };
      }
      const outputs = parseFile(files.GITHUB_OUTPUT);
      if (step.id && !step.id.startsWith("__")) steps[step.id] = { outputs, outcome: result.code === 0 ? "success" : "failure", conclusion: result.code === 0 ? "success" : "failure" };
      Object.assign(env, parseFile(files.GITHUB_ENV));
    }
    stepRecord.outcome = result.code === 0 ? "success" : "failure";
    stepRecord.output = result.output;
    if (result.code !== 0) failed = true;
  });
  record.result = failed ? "failure" : "success";
  record.outputs = evaluate(job.outputs, { ...base, env, steps }) ?? {};
  return record;
}

// A local composite action (`uses: ./path`), as the runner plays it: its action.yml is read from the workspace, which
// holds the repository only once actions/checkout ran in this job; each step's `${{ }}` see the action's inputs (with
// their defaults); a `run` step must name its shell; the first failing step fails the action.
function runLocalAction(path, inputs, context, env, checkedOut) {
  const folder = join(root, path);
  const file = ["action.yml", "action.yaml"].map(f => join(folder, f)).find(existsSync);
  if (!checkedOut || !file) {
    return { code: 1, output: `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${folder}'. Did you forget to run actions/checkout before running your local action?` };
  }
  const action = YAML.parse(readFileSync(file, "utf8"));
  if (action.runs?.using !== "composite") return { code: 1, output: `${path}: only composite actions are played here` };
  const declared = action.inputs ?? {};
  const unknown = Object.keys(inputs).filter(k => !Object.hasOwn(declared, k));
  if (unknown.length > 0) return { code: 1, output: `${path}: unexpected input(s) ${unknown.join(", ")}` };
  const values = Object.fromEntries(Object.entries(declared).map(([k, d]) => [k, inputs[k] ?? d.default ?? ""]));
  const missing = Object.entries(declared).filter(([k, d]) => d.required && values[k] === "").map(([k]) => k);
  if (missing.length > 0) return { code: 1, output: `${path}: input required and not supplied: ${missing.join(", ")}` };
  const contexts = { github: context.github, env: context.env, runner: context.runner, inputs: values, steps: {}, job: context.job };
  const interpolate = value => typeof value === "string"
    ? value.replace(/\$\{\{(.*?)\}\}/g, (_, expression) => evaluateExpression(expression.trim(), contexts, STATUS_SUCCESS).coerceString())
    : value;
  const output = [];
  for (const step of action.runs.steps ?? []) {
    let result;
    if (step.uses) {
      const stepInputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(v)]));
      result = standInFor(step.uses)(stepInputs, context, env);
    } else if (!step.shell) {
      result = { code: 1, output: `${path}: a run step of a composite action must name its shell` };
    } else {
      const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", interpolate(step.run)], { cwd: root, env, encoding: "utf8" });
      result = { code: run.status ?? 1, output: (run.stdout ?? "") + (run.stderr ?? "") };
    }
    output.push(`[${step.uses ?? step.name ?? "run"}] ${result.output}`);
    if (result.code !== 0) return { code: result.code, output: output.join("\n") };
  }
  return { code: 0, output: output.join("\n") };
}

/** Every action a workflow's jobs name, local composite actions' own steps included. */
function actionsUsed() {
  const named = template.jobs.flatMap(j => (j.steps ?? []).filter(s => s.uses).map(s => s.uses.value));
  return [...new Set(named.flatMap(uses => {
    if (!uses.startsWith("./")) return [uses];
    const file = ["action.yml", "action.yaml"].map(f => join(root, uses, f)).find(existsSync);
    return file ? [uses, ...(YAML.parse(readFileSync(file, "utf8")).runs?.steps ?? []).filter(s => s.uses).map(s => s.uses)] : [uses];
  }))];
}

function github() {
  return { event_name: scenario.event, event: scenario.payload ?? {}, sha: scenario.github.sha, ref: scenario.github.ref, repository: scenario.github.repository ?? "contoso/llmchat", workspace: root, workflow: template.name ?? scenario.workflow, run_id: "1", run_attempt: "1" };
}

// `name=value` lines, or `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT and GITHUB_ENV.
function parseFile(path) {
  const values = {};
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const body = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]);
      values[heredoc[1]] = body.join("\n");
    } else if (lines[i].includes("=")) {
      values[lines[i].slice(0, lines[i].indexOf("="))] = lines[i].slice(lines[i].indexOf("=") + 1);
    }
  }
  return values;
}
