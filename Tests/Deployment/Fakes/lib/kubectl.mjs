// kubectl against the AKS cluster the fake Azure provisioned, with the rules our calls depend on.
//   K1 The cluster has Entra ID with local accounts disabled: kubectl needs the kubeconfig `az aks get-credentials`
//      writes, converted by `kubelogin convert-kubeconfig` (the in-tree azure auth plugin is gone since Kubernetes
//      1.24; AKS docs, "Use kubelogin"). Each call then gets its token the way the conversion says: `-l azurecli` asks
//      az (`az account get-access-token` for the AKS server application: lib/identity.mjs T1, so AADSTS700024 once a
//      federated sign-in's assertion expired), `-l azd` asks azd (`azd auth token`: T3). A refused token fails the call
//      as client-go's exec plugin reports it: "Unable to connect to the server: getting credentials: exec: executable
//      kubelogin failed with exit code 1" after kubelogin's own error (k8s.io/client-go/plugin/pkg/client/auth/exec).
//   K2 A namespaced object in a namespace that does not exist is refused: namespaces "x" not found.
//   K3 Gateway API kinds exist only where AKS installed the Managed Gateway API CRDs (ingressProfile.gatewayAPI),
//      KEDA's only where its add-on runs, and the Secrets Store CSI driver's (SecretProviderClass) only where the
//      azureKeyvaultSecretsProvider add-on runs (AKS docs, "Use the Azure Key Vault provider for Secrets Store CSI
//      Driver": the add-on installs the driver and its CRDs): "no matches for kind ... ensure CRDs are installed first".
//   K4 A rollout undo with no earlier revision fails: "no rollout history found".
//   K5 Azure RBAC for Kubernetes authorizes every call: only a principal with an AKS RBAC role on the cluster (or
//      above it), counted once the assignment took effect (T4), gets through; anyone else gets "Error from server
//      (Forbidden): ... is forbidden: User "<id>" cannot <verb> resource ..." (Azure/AKS issue 2302; azure-docs issue
//      72399). `kubectl auth can-i` prints yes and exits 0, or no and exits 1 (kubectl, pkg/cmd/auth/cani.go,
//      RunAccessCheck).
//   K6 `kubectl get <kind> <name>` of an object that does not exist fails with NotFound; with --ignore-not-found it
//      prints nothing and exits 0 (kubectl get --help: "If the requested object does not exist the command will
//      return exit code 0").
//   K7 The app routing add-on gives a Gateway its public address (status.addresses) once the Gateway exists
//      (lib/network.mjs N3).
// Output shapes: `apply --server-side` prints "<kind>/<name> serverside-applied" per object (kubectl, pkg/cmd/apply:
// the "serverside-applied" operation); `rollout status` prints 'deployment "<name>" successfully rolled out' or fails
// with 'error: deployment "<name>" exceeded its progress deadline' (kubectl, pkg/polymorphichelpers/rollout_status.go);
// `rollout undo` "rolled back", `rollout restart` "restarted", `annotate` "annotated"; `-o jsonpath=...` prints the
// value alone, without a newline; errors from the API server read "Error from server (<Reason>): ..." with exit code 1.
import { ToolError, Unmodelled, capture, requireTool } from "./cli.mjs";
import { RESOURCES, azToken, azdPrincipal, hasRole } from "./identity.mjs";

const YAML = requireTool("yaml");
const CLUSTER_SCOPED = new Set(["Namespace", "GatewayClass", "ClusterRole", "ClusterRoleBinding"]);
const AKS_ROLES = ["Azure Kubernetes Service RBAC Cluster Admin"];

function connected(state) {
  if (!state.kubeconfig) throw new ToolError("error: no configuration has been provided, try setting KUBERNETES_MASTER environment variable");
  if (!state.kubeconfig.converted) {
    throw new ToolError("error: The azure auth plugin has been removed.\nPlease use the \"kubelogin\" client-go credential (exec) plugin instead.");
  }
  for (const [groupName, group] of Object.entries(state.subscriptions[state.kubeconfig.subscription]?.resourceGroups ?? {})) {
    const cluster = group.clusters?.[state.kubeconfig.cluster];
    if (cluster) {
      return { cluster, id: `/subscriptions/${state.kubeconfig.subscription}/resourceGroups/${groupName}/providers/Microsoft.ContainerService/managedClusters/${state.kubeconfig.cluster}`, principal: principal(state) };
    }
  }
  throw new ToolError("Unable to connect to the server: dial tcp: lookup on 168.63.129.16:53: no such host");
}

// K1: the identity the token is for, or the exec plugin's failure.
function principal(state) {
  try {
    if (state.kubeconfig.login === "azd") return azdPrincipal(state);
    azToken(state, RESOURCES.aks);
    return state.account.principal?.objectId;
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    throw new ToolError(`Error: failed to get token: expected an empty error but received: ${state.kubeconfig.login === "azd" ? "AzureDeveloperCLICredential" : "AzureCLICredential"}: ${error.message}\nUnable to connect to the server: getting credentials: exec: executable kubelogin failed with exit code 1`);
  }
}

// K5
function allowed(state, connection) {
  return hasRole(state, connection.principal, AKS_ROLES, connection.id);
}

function forbidden(connection, verb, kind, group, ns) {
  const plural = `${kind.toLowerCase()}${kind.endsWith("s") ? "es" : "s"}`;
  return new ToolError(`Error from server (Forbidden): ${plural}${group ? "." + group : ""} is forbidden: User "${connection.principal}" cannot ${verb} resource "${plural}" in API group "${group}" ${ns ? `in the namespace "${ns}"` : "at the cluster scope"}: User does not have access to the resource in Azure. Update role assignment to allow access.`);
}

/** Each object of a multi-document YAML text, with its own text as sent (kept for the tests' rules to read). */
function objects(text) {
  return text.replace(/\r\n/g, "\n").split(/^---$/m).map(chunk => ({ object: YAML.parse(chunk), text: chunk.replace(/^\n/, "") })).filter(o => o.object && o.object.kind);
}

/** Applies objects to the cluster's store (as the API server would keep them) as the connection's principal; returns what it did. */
export function apply(state, connection, text, source) {
  const cluster = connection.cluster;
  const store = (cluster.objects ??= {});
  const lines = [];
  const list = objects(text);
  for (const { object: o, text: objectText } of list) {
    const group = (o.apiVersion ?? "").split("/").length > 1 ? o.apiVersion.split("/")[0] : "";
    // K5
    if (!allowed(state, connection)) throw forbidden(connection, "patch", o.kind, group, CLUSTER_SCOPED.has(o.kind) ? undefined : o.metadata?.namespace ?? "default");
    if (group === "gateway.networking.k8s.io" && !cluster.gatewayApi) {
      throw new ToolError(`error: resource mapping not found for name: "${o.metadata?.name}" namespace: "${o.metadata?.namespace ?? ""}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`);
    }
    if ((group === "keda.sh" && !cluster.keda) || (group === "secrets-store.csi.x-k8s.io" && !cluster.secretsStore)) {
      throw new ToolError(`error: resource mapping not found for name: "${o.metadata?.name}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`);
    }
    const ns = CLUSTER_SCOPED.has(o.kind) ? undefined : o.metadata?.namespace ?? "default";
    const systemNamespaces = ["default", "kube-system", "kube-public"];
    // Objects are created in the order sent: a namespace earlier in the same apply exists by then.
    if (ns && !systemNamespaces.includes(ns) && !store[`Namespace//${ns}`]) {
      throw new ToolError(`Error from server (NotFound): namespaces "${ns}" not found`);
    }
    const key = `${o.kind}/${ns ?? ""}/${o.metadata.name}`;
    if (o.kind === "Deployment") revise(cluster, key, o);
    // K7
    if (o.kind === "Gateway") o.status = { addresses: [{ type: "IPAddress", value: cluster.gatewayAddress }] };
    store[key] = { object: o, text: objectText, source };
    lines.push(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied`);
  }
  return lines.join("\n") + "\n";
}

// Deployments keep a revision history, as `kubectl rollout undo` needs: a new pod template is a new revision.
function revise(cluster, key, deployment) {
  const history = ((cluster.revisions ??= {})[key] ??= []);
  const template = JSON.stringify(deployment.spec?.template ?? {});
  if (history.length === 0 || history[history.length - 1].template !== template) history.push({ revision: history.length + 1, template });
}

export function kubectl(state, parsed, args) {
  const { words, options } = parsed;
  const command = words.slice(0, 2).join(" ");
  if (words[0] === "version") return { out: "" };
  const connection = connected(state);
  const cluster = connection.cluster;
  const ns = options["--namespace"] ?? options["-n"] ?? "default";
  if (command === "auth can-i") {
    // K5: a check, not a refusal: "no" goes to stdout with exit code 1.
    if (allowed(state, connection)) return { out: "yes\n" };
    throw new ToolError("no", 1, "stdout");
  }
  // An apply is refused object by object, with each object's kind (apply below).
  if (words[0] !== "apply" && !allowed(state, connection)) {
    const [verb, kind] = words[0] === "rollout" ? ["get", "Deployment"] : [words[0], words[1] ?? "Pod"];
    throw forbidden(connection, verb, kind.replace(/^./, c => c.toUpperCase()), kind === "gateway" ? "gateway.networking.k8s.io" : "apps", ns);
  }
  if (words[0] === "apply") {
    const file = options["-f"];
    const text = file === "-" ? state.stdin : capture(file);
    if (text === undefined) throw new ToolError(`error: the path "${file}" does not exist`);
    return { out: apply(state, connection, text, file) };
  }
  if (command === "get deployment") {
    // `-o jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}`: the Deployment's revision, as the
    // deployment controller annotates it.
    const name = words[2];
    const history = cluster.revisions?.[`Deployment/${ns}/${name}`];
    if (!String(options["-o"] ?? "").includes("deployment\\.kubernetes\\.io/revision")) throw new Unmodelled("kubectl", args);
    // K6
    if (!history) {
      if (options["--ignore-not-found"]) return { out: "" };
      throw new ToolError(`Error from server (NotFound): deployments.apps "${name}" not found`);
    }
    return { out: String(history[history.length - 1].revision) };
  }
  if (command === "get gateway") {
    // K7: `-o jsonpath={.status.addresses[0].value}`.
    const name = words[2];
    const gateway = cluster.objects?.[`Gateway/${ns}/${name}`]?.object;
    if (options["-o"] !== "jsonpath={.status.addresses[0].value}") throw new Unmodelled("kubectl", args);
    if (!gateway) {
      if (options["--ignore-not-found"]) return { out: "" };
      throw new ToolError(`Error from server (NotFound): gateways.gateway.networking.k8s.io "${name}" not found`);
    }
    return { out: gateway.status?.addresses?.[0]?.value ?? "" };
  }
  if (command === "annotate serviceaccount") {
    return { out: `serviceaccount/${words[2]} annotated\n` };
  }
  if (words[0] === "rollout") {
    // `rollout <verb> deployment/<name>` or `rollout <verb> deployment <name>`.
    const name = words[2]?.includes("/") ? words[2].split("/")[1] : words[3];
    const key = `Deployment/${ns}/${name}`;
    if (words[1] === "restart") return { out: `deployment.apps/${name} restarted\n` };
    if (words[1] === "status") {
      if ((cluster.failing ?? []).includes(name)) throw new ToolError(`error: deployment "${name}" exceeded its progress deadline`);
      return { out: `deployment "${name}" successfully rolled out\n` };
    }
    if (words[1] === "undo") {
      // K4
      const history = cluster.revisions?.[key] ?? [];
      if (history.length < 2) throw new ToolError(`error: no rollout history found for deployment "${name}"`);
      const previous = history[history.length - 2];
      history.push({ revision: history[history.length - 1].revision + 1, template: previous.template, undo: true });
      (cluster.undone ??= []).push(name);
      return { out: `deployment.apps/${name} rolled back\n` };
    }
  }
  throw new Unmodelled("kubectl", args);
}

/** The connection azd deploy uses (its own kubeconfig, converted with kubelogin -l azd), for a cluster it found. */
export function azdConnection(state, cluster, clusterId) {
  return { cluster, id: clusterId, principal: azdPrincipal(state) };
}
