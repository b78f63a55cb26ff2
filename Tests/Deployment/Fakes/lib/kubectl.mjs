// kubectl against the AKS cluster the fake Azure provisioned, with the rules our calls depend on.
//   K1 The cluster has Entra ID with local accounts disabled: kubectl needs the kubeconfig `az aks get-credentials`
//      writes, converted by `kubelogin convert-kubeconfig -l azurecli` (the in-tree azure auth plugin is gone since
//      Kubernetes 1.24; AKS docs, "Use kubelogin"). Without it every call fails.
//   K2 A namespaced object in a namespace that does not exist is refused: namespaces "x" not found.
//   K3 Gateway API kinds exist only where AKS installed the Managed Gateway API CRDs (ingressProfile.gatewayAPI), and
//      KEDA's only where its add-on runs: "no matches for kind ... ensure CRDs are installed first".
//   K4 A rollout undo with no earlier revision fails: "no rollout history found".
import { ToolError, Unmodelled, capture, requireTool } from "./cli.mjs";

const YAML = requireTool("yaml");
const CLUSTER_SCOPED = new Set(["Namespace", "GatewayClass", "ClusterRole", "ClusterRoleBinding"]);

function connected(state) {
  if (!state.kubeconfig) throw new ToolError("error: no configuration has been provided, try setting KUBERNETES_MASTER environment variable");
  if (!state.kubeconfig.converted) {
    throw new ToolError("error: The azure auth plugin has been removed.\nPlease use the \"kubelogin\" client-go credential (exec) plugin instead.");
  }
  const cluster = Object.values(state.subscriptions[state.kubeconfig.subscription]?.resourceGroups ?? {}).map(g => g.clusters?.[state.kubeconfig.cluster]).find(Boolean);
  if (!cluster) throw new ToolError("Unable to connect to the server: dial tcp: lookup on 168.63.129.16:53: no such host");
  return cluster;
}

/** Each object of a multi-document YAML text, with its own text as sent (kept for the tests' rules to read). */
function objects(text) {
  return text.replace(/\r\n/g, "\n").split(/^---$/m).map(chunk => ({ object: YAML.parse(chunk), text: chunk.replace(/^\n/, "") })).filter(o => o.object && o.object.kind);
}

/** Applies objects to the cluster's store (as the API server would keep them); returns what it did. */
export function apply(state, cluster, text, source) {
  const store = (cluster.objects ??= {});
  const lines = [];
  const list = objects(text);
  for (const { object: o, text: objectText } of list) {
    const group = (o.apiVersion ?? "").split("/").length > 1 ? o.apiVersion.split("/")[0] : "";
    if (group === "gateway.networking.k8s.io" && !cluster.gatewayApi) {
      throw new ToolError(`error: resource mapping not found for name: "${o.metadata?.name}" namespace: "${o.metadata?.namespace ?? ""}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`);
    }
    if (group === "keda.sh" && !cluster.keda) {
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
  const cluster = connected(state);
  const ns = options["--namespace"] ?? options["-n"] ?? "default";
  if (words[0] === "apply") {
    const file = options["-f"];
    const text = file === "-" ? state.stdin : capture(file);
    if (text === undefined) throw new ToolError(`error: the path "${file}" does not exist`);
    return { out: apply(state, cluster, text, file) };
  }
  if (command === "get deployment") {
    // `-o jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}`: the Deployment's revision, as the
    // deployment controller annotates it.
    const name = words[2];
    const history = cluster.revisions?.[`Deployment/${ns}/${name}`];
    if (!history) throw new ToolError(`Error from server (NotFound): deployments.apps "${name}" not found`);
    if (!String(options["-o"] ?? "").includes("deployment\\.kubernetes\\.io/revision")) throw new Unmodelled("kubectl", args);
    return { out: String(history[history.length - 1].revision) };
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
