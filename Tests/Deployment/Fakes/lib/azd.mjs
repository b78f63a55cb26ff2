// azd, as the hooks, the delivery workflows and the one-time bootstrap use it. Environments live in the fake's state;
// with remote state configured (`azd config set state.remote.*`) every write is persisted there too, and `azd env
// select` of an environment that is not local copies it from there (learn.microsoft.com azure/developer/
// azure-developer-cli remote-environments-support). `provision` runs the project's real hooks from azure.yaml around a
// stand-in for the Bicep deployment (its outputs, resources and role assignments, prepared by the test harness from
// the compiled template), taking the deployment's time; `deploy` records each service's release and applies its
// manifests with azd's template rule (only *.tmpl.yaml files are rendered), through azd's own kubeconfig.
//   A10 Remote state is a blob container (state.remote.config.containerName, by default the project's name in lower
//       case: azure-dev cli/azd/pkg/azd/default.go) in a storage account; reading or writing it needs a storage data
//       role there, counted once it took effect (lib/identity.mjs T4): 403 AuthorizationPermissionMismatch otherwise
//       (Azure Storage REST docs, blob service error codes). An account that does not exist does not resolve.
//   A9 (lib/arm.mjs) `azd auth login --federated-credential-provider github` reads the job's OIDC token, which GitHub
//       offers only to a job with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN).
//   A17 A Bicep deployment takes its time: minutes for a new cluster, less for one that exists (state.provisionSeconds
//       overrides both). Role assignments the template makes are created as it ends, and count only once they took
//       effect (T4). azd passes its own signed-in principal for AZURE_PRINCIPAL_ID (azure-dev bicep_provider.go,
//       evalParamEnvSubst).
//   A18 `azd deploy` reaches the cluster through its own kubeconfig, converted with `kubelogin -l azd` (azure-dev,
//       pkg/project/service_target_aks.go), so it is authorized as azd's principal (lib/kubectl.mjs K5).
// Output shapes: `azd env get-values` prints the environment as dotenv lines, NAME="value" with \" and \n escaped
// (azure-dev, pkg/environment: godotenv's Marshal); `azd env get-value NAME` prints the value alone; `azd auth login`
// ends with "Logged in to Azure" (azure-dev, cmd/auth_login.go); provision and deploy end with azd's SUCCESS lines;
// errors are "ERROR: ..." with exit code 1, a failing hook as "'<hook>' hook failed with exit code: '<n>', Path: ..."
// (azure-dev, pkg/ext/hooks_runner.go, handleHookError).
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, appendFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ToolError, Unmodelled, requireTool } from "./cli.mjs";
import { apply, azdConnection } from "./kubectl.mjs";
import { federatedSignIn, findStorage, storageDenied } from "./arm.mjs";
import { azdPrincipal, assignRole, hasRole } from "./identity.mjs";
import { advance } from "./clock.mjs";
import { guid } from "./state.mjs";

const YAML = requireTool("yaml");
const STORAGE_DATA_ROLES = ["Storage Blob Data Contributor", "Storage Blob Data Owner"];
const NEW_CLUSTER_SECONDS = 8 * 60;
const EXISTING_CLUSTER_SECONDS = 3 * 60;

function azd(state) {
  state.azd ??= { environments: {}, selected: null, remote: null };
  return state.azd;
}

/** A10: the remote state's environments, for the principal azd signed in as (a person's azd is the person's az). */
function remoteStore(state) {
  const a = azd(state);
  if (!a.remote) return undefined;
  if (a.remote.backend !== "AzureBlobStorage" || !a.remote.accountName) throw new ToolError("ERROR: remote state: set state.remote.backend AzureBlobStorage and state.remote.config.accountName");
  const found = findStorage(state, a.remote.accountName);
  if (!found) throw new ToolError(`ERROR: remote state: dial tcp: lookup ${a.remote.accountName}.blob.core.windows.net: no such host`);
  const containerName = a.remote.containerName ?? "llmchat";
  if (!hasRole(state, azdPrincipal(state), STORAGE_DATA_ROLES, `${found.id}/blobServices/default/containers/${containerName}`)) {
    throw new ToolError(`ERROR: remote state: RESPONSE 403: ${storageDenied().message.replace(/^ERROR: /, "")}`);
  }
  const container = found.account.containers[containerName];
  if (!container) throw new ToolError("ERROR: remote state: RESPONSE 404: The specified container does not exist.\nERROR CODE: ContainerNotFound");
  return (container.azdEnvironments ??= {});
}

export function values(state) {
  const a = azd(state);
  if (!a.selected || !a.environments[a.selected]) throw new ToolError("ERROR: no default environment set: run `azd env new` or `azd env select`");
  return a.environments[a.selected];
}

function persist(state) {
  const a = azd(state);
  const remote = remoteStore(state);
  if (remote && a.selected) remote[a.selected] = { ...a.environments[a.selected] };
}

function dotenv(env) {
  return Object.entries(env).map(([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join("\n") + "\n";
}

// azd runs a hook from the project folder, with the environment's values in its process environment, in the shell
// azure.yaml names for the platform (FAKE_HOOK_SHELL=pwsh plays the Windows hooks, with PowerShell 7 as a dotnet tool).
// Markers in the call log show where each hook's calls begin and end.
function hook(state, root, name) {
  const project = YAML.parse(readFileSync(join(root, "azure.yaml"), "utf8"));
  const windows = process.env.FAKE_HOOK_SHELL === "pwsh";
  const run = project.hooks?.[name]?.[windows ? "windows" : "posix"]?.run;
  if (!run) return;
  appendFileSync(process.env.FAKE_LOG, JSON.stringify({ hook: name, phase: "start" }) + "\n");
  const [program, argv] = windows
    ? ["dotnet", ["tool", "run", "pwsh", "--", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", run]]
    : ["sh", ["-c", run]];
  const result = spawnSync(program, argv, { cwd: root, env: { ...process.env, ...values(state) }, encoding: "utf8" });
  appendFileSync(process.env.FAKE_LOG, JSON.stringify({ hook: name, phase: "end", exitCode: result.status, output: (result.stdout ?? "") + (result.stderr ?? "") }) + "\n");
  // azure-dev, pkg/ext/hooks_runner.go, handleHookError (an inline `run:` is written to a temporary script first).
  if (result.status !== 0) throw new ToolError(`${result.stdout}${result.stderr}\nERROR: '${name}' hook failed with exit code: '${result.status}', Path: '/tmp/azd-${name}.sh'. : exit code: ${result.status}`);
}

export function azdCommand(state, parsed, args, io) {
  const { words, options } = parsed;
  const a = azd(state);
  const command = words.slice(0, 2).join(" ");
  switch (command) {
    case "env get-values":
      return dotenv(values(state));
    case "env get-value": {
      const value = values(state)[words[2]];
      if (value === undefined) throw new ToolError(`ERROR: key '${words[2]}' not found in the environment values`);
      return value + "\n";
    }
    case "env set":
      values(state)[words[2]] = words[3] ?? "";
      persist(state);
      return "";
    case "env new": {
      const name = words[2];
      if (a.environments[name]) throw new ToolError(`ERROR: environment '${name}' already exists`);
      if (remoteStore(state)?.[name]) throw new ToolError(`ERROR: environment '${name}' already exists in remote state`);
      a.environments[name] = { AZURE_ENV_NAME: name };
      a.selected = name;
      for (const [option, key] of [["--subscription", "AZURE_SUBSCRIPTION_ID"], ["--location", "AZURE_LOCATION"]]) if (options[option]) a.environments[name][key] = options[option];
      persist(state);
      return "";
    }
    case "env select": {
      const name = words[2];
      if (!a.environments[name]) {
        const remote = remoteStore(state)?.[name];
        if (remote) a.environments[name] = { ...remote };
        else throw new ToolError(`ERROR: environment '${name}' does not exist`);
      }
      a.selected = name;
      return "";
    }
    case "config set":
      if (words[2] === "state.remote.backend") a.remote = { ...(a.remote ?? {}), backend: words[3] };
      else if (words[2]?.startsWith("state.remote.config.")) a.remote = { ...(a.remote ?? {}), [words[2].slice("state.remote.config.".length)]: words[3] };
      else if (words[2] === "alpha.aks.kustomize" || words[2] === "alpha.aks.helm") return "";
      else throw new Unmodelled("azd", args);
      return "";
    case "auth login":
      // The workflow's federated sign-in: azd and az are separate sign-ins; azd's does not select az's subscription.
      if (!options["--client-id"] || !options["--tenant-id"] || options["--federated-credential-provider"] !== "github") throw new Unmodelled("azd", args);
      if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
        throw new ToolError("ERROR: logging in: github federated credential: ACTIONS_ID_TOKEN_REQUEST_URL is not set: the job needs `permissions: id-token: write`");
      }
      {
        const subject = new URL(process.env.ACTIONS_ID_TOKEN_REQUEST_URL).searchParams.get("subject");
        const principal = federatedSignIn(state, options["--client-id"], options["--tenant-id"], subject);
        a.signedIn = { clientId: options["--client-id"], tenantId: options["--tenant-id"], objectId: principal.objectId, provider: "github" };
      }
      return "Logged in to Azure\n";
    default:
      break;
  }
  if (words[0] === "provision") return provision(state, io);
  if (words[0] === "deploy") return deploy(state, io);
  throw new Unmodelled("azd", args);
}

function provision(state, io) {
  const env = values(state);
  for (const key of ["AZURE_ENV_NAME", "AZURE_SUBSCRIPTION_ID", "AZURE_LOCATION"]) {
    if (!env[key]) throw new ToolError(`ERROR: ${key} is not set: with --no-prompt azd cannot ask for it`);
  }
  io.save();
  hook(state, io.root, "preprovision");
  io.reload();
  // The harness prepares what each environment's Bicep deployment creates (by environment name, else "default").
  const plans = JSON.parse(readFileSync(io.provisionFile, "utf8"));
  const plan = plans[env.AZURE_ENV_NAME] ?? plans.default;
  if (!plan) throw new ToolError(`fake azd: no provision prepared for environment ${env.AZURE_ENV_NAME}`, 2);
  if (state.failProvision) throw new ToolError("ERROR: deployment failed: error deploying infrastructure: (InvalidTemplateDeployment) The template deployment failed.");
  const fresh = values(state);
  const subscription = state.subscriptions[fresh.AZURE_SUBSCRIPTION_ID];
  const group = ((subscription.resourceGroups ??= {})[plan.resourceGroup] ??= {});
  const existing = group.clusters?.[plan.cluster.name];
  // A17
  advance(state, state.provisionSeconds ?? (existing ? EXISTING_CLUSTER_SECONDS : NEW_CLUSTER_SECONDS));
  const deployer = azdPrincipal(state);
  // AKS applies the count each provision sends: the current count the hook recorded, within the bounds, or the
  // minimum for a new pool (infra/modules/node-counts.bicep; its own test runs it with the Bicep CLI).
  const count = pool => {
    const current = fresh[pool.currentCountVariable];
    const min = Number(fresh[pool.minCountVariable] || pool.minCount);
    const max = Number(fresh[pool.maxCountVariable] || pool.maxCount);
    return current ? Math.min(Math.max(Number(current), min), max) : Math.max(min, 1);
  };
  (group.clusters ??= {})[plan.cluster.name] = {
    ...(existing ?? {}),
    gatewayApi: plan.cluster.gatewayApi,
    keda: plan.cluster.keda,
    secretsStore: plan.cluster.secretsStore,
    pools: plan.cluster.pools.map(p => ({ name: p.name, vmSize: fresh[p.vmSizeVariable] || p.vmSize, minCount: p.minCount, maxCount: p.maxCount, count: count(p) })),
    provisions: (existing?.provisions ?? 0) + 1,
    // N3 (lib/network.mjs): the public address the Gateway will get.
    gatewayAddress: existing?.gatewayAddress ?? gatewayAddress(plan.cluster.name),
  };
  const vault = ((group.vaults ??= {})[plan.vault.name] ??= { secrets: {}, keys: {}, certificates: {} });
  vault.uri = plan.outputs.AZURE_KEY_VAULT_ENDPOINT;
  for (const s of plan.vault.secrets) vault.secrets[s] ??= { contentType: "text/plain" };
  for (const k of plan.vault.keys) vault.keys[k] ??= { kty: "RSA" };
  // A18 (lib/arm.mjs): the vault's firewall as this provision's template and values set it (AzdProvision.VaultNetwork
  // reads when it denies; main.bicep's storesNetwork and ipRanges, whose own test runs them with the Bicep CLI, what it admits).
  const network = plan.vault.network ?? { denyByDefault: "never" };
  vault.network = {
    restricted: network.denyByDefault === "always" || (network.denyByDefault === "whenSet" && fresh[network.accessVariable] === "restricted"),
    ipRules: (fresh[network.rangesVariable] ?? "").split(",").map(r => r.trim()).filter(r => r).map(r => r.includes("/") ? r : `${r}/32`),
  };
  (group.registries ??= {})[plan.registry.name] ??= { tags: {} };
  subscription.principals = [...new Set([...(subscription.principals ?? []), ...plan.principals])];
  // A17: the roles the template gives the deploying principals (principalId is azd's own; the others come from the
  // environment), on the resources it names.
  const ids = {
    cluster: `/subscriptions/${fresh.AZURE_SUBSCRIPTION_ID}/resourceGroups/${plan.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${plan.cluster.name}`,
    vault: `/subscriptions/${fresh.AZURE_SUBSCRIPTION_ID}/resourceGroups/${plan.resourceGroup}/providers/Microsoft.KeyVault/vaults/${plan.vault.name}`,
  };
  for (const role of plan.principalRoles ?? []) {
    const principalId = role.parameter === "principalId" ? deployer : fresh[role.variable];
    if (principalId) assignRole(state, subscription, { scope: ids[role.scope], principalId, role: role.role, principalType: role.principalType });
  }
  Object.assign(fresh, plan.outputs);
  persist(state);
  io.save();
  hook(state, io.root, "postprovision");
  io.reload();
  return "SUCCESS: Your application was provisioned in Azure.\n";
}

function deploy(state, io) {
  if (state.failDeploy) throw new ToolError("ERROR: failed deploying service 'api': failed applying kube manifests");
  const env = values(state);
  const project = YAML.parse(readFileSync(join(io.root, "azure.yaml"), "utf8"));
  const subscription = state.subscriptions[env.AZURE_SUBSCRIPTION_ID];
  const groupName = Object.keys(subscription.resourceGroups ?? {}).find(g => subscription.resourceGroups[g].clusters?.[env.AZURE_AKS_CLUSTER_NAME]);
  if (!groupName) throw new ToolError(`ERROR: could not determine AKS cluster: run azd provision first`);
  const cluster = subscription.resourceGroups[groupName].clusters[env.AZURE_AKS_CLUSTER_NAME];
  // A18
  const connection = azdConnection(state, cluster, `/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/${groupName}/providers/Microsoft.ContainerService/managedClusters/${env.AZURE_AKS_CLUSTER_NAME}`);
  const release = (state.azd.releases = (state.azd.releases ?? 0) + 1);
  for (const [name, service] of Object.entries(project.services)) {
    // A scenario may break the deploy at one service: those before it were applied.
    if (state.failDeployAt === name) throw new ToolError(`ERROR: failed deploying service '${name}': failed pushing image: unexpected status from PUT request: 503 Service Unavailable`);
    env[`SERVICE_${name.toUpperCase()}_IMAGE_NAME`] = `${env.AZURE_CONTAINER_REGISTRY_ENDPOINT}/${project.name}/${name}-${env.AZURE_ENV_NAME}:azd-deploy-${release}`;
    const folder = join(io.root, service.project, service.k8s?.deploymentPath ?? "manifests");
    for (const file of walk(folder)) {
      const text = readFileSync(file, "utf8");
      // azure-dev pkg/tools/kubectl/kubectl.go applyTemplates: a *.tmpl.yaml file goes through Go's text/template with
      // .Env (a missing key prints "<no value>"); any other YAML file is applied as it is.
      const templated = /\.tmpl\.ya?ml$/.test(file);
      const rendered = templated ? text.replace(/\{\{\s*\.Env\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key) => env[key] ?? "<no value>") : text;
      const path = relative(io.root, file).split("\\").join("/");
      (state.azd.applied ??= []).push({ service: name, file: path, templated });
      apply(state, connection, rendered, path);
    }
    (state.azd.deployments ??= []).push({ environment: env.AZURE_ENV_NAME, service: name, image: env[`SERVICE_${name.toUpperCase()}_IMAGE_NAME`], commit: state.checkout?.sha ?? null });
  }
  // The cluster's Gateway now serves this release for the host its routes name; a scenario may have broken it (the
  // smoke test must catch that).
  cluster.site = { environment: env.AZURE_ENV_NAME, hostnames: [env.WEB_HOSTNAME], release, broken: (state.brokenReleases ?? []).includes(env.AZURE_ENV_NAME) };
  persist(state);
  return "SUCCESS: Your application was deployed to Azure.\n";
}

/** A public address for a cluster's Gateway, the same for the same cluster. */
function gatewayAddress(cluster) {
  const h = guid(`gateway-${cluster}`);
  return `20.${parseInt(h.slice(0, 2), 16) % 250}.${parseInt(h.slice(2, 4), 16) % 250}.${parseInt(h.slice(4, 6), 16) % 250 + 1}`;
}

// os.ReadDir order (by name), depth first, as azd walks a deployment path.
function walk(folder) {
  return readdirSync(folder).sort().flatMap(entry => {
    const path = join(folder, entry);
    return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(entry) ? [path] : [];
  });
}
