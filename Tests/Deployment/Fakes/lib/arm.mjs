// Azure Resource Manager as `az` reaches it, with the rules of the real service that our calls depend on.
//   A1 az acts on the subscription it selected last; AZURE_SUBSCRIPTION_ID in the environment changes nothing
//      (azure-cli issue 17989). The world's selected subscription is not azd's.
//   A2 `az account set` accepts only a subscription the signed-in account can see: "The subscription of '<id>'
//      doesn't exist in cloud 'AzureCloud'."
//   A3 Resources are looked up in the selected subscription: ResourceGroupNotFound / ResourceNotFound otherwise.
//   A4 `az vm list-skus` lists the sizes a subscription may not use only with --all (az docs: "--all  Show all
//      information including vm sizes not available under the current subscription").
//   A5 ACR Tasks (`az acr build`) are refused on subscriptions paid by free credits: TasksOperationsNotAllowed
//      (Azure-Samples/azure-search-openai-demo issue 2220; MicrosoftLearning AZ-204 issue 855).
//   A6 Docker Hub limits anonymous pulls; `az acr import` from docker.io without credentials fails once the limit is
//      spent: "toomanyrequests: You have reached your unauthenticated pull rate limit" (Docker docs, "Usage and
//      limits"). Authenticated imports go through.
//   A7 A role assignment's scope must exist (a certificate's secret exists only once the certificate does), its
//      principal must exist (PrincipalNotFound), and its role name must be a built-in role.
//   A8 Key Vault certificate policies: subject "CN=...", subject alternative names that are DNS names, an exportable
//      key for a certificate whose private key a gateway must read (Key Vault docs, certificate policy).
//   A9 A federated sign-in (azure/login, `azd auth login --federated-credential-provider github`) needs an app in the
//      tenant (AADSTS700016) with a federated credential whose subject equals the token's, case included: a job with
//      `environment: production` presents `repo:<owner>/<repo>:environment:production` (AADSTS700213; Azure/login
//      issues 379, 482 and 515).
import { ToolError, Unmodelled, jsonArgument } from "./cli.mjs";
import { guid, selectedSubscription, resourceGroup, findResource } from "./state.mjs";

const BUILT_IN_ROLES = new Set(["Key Vault Secrets User", "Key Vault Crypto User", "Key Vault Certificates Officer", "Storage Blob Data Contributor",
  "Storage Table Data Contributor", "AcrPull", "Monitoring Data Reader", "Monitoring Metrics Publisher", "Azure Kubernetes Service RBAC Cluster Admin"]);
const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

function notFound(type, name) {
  return new ToolError(`ERROR: (ResourceNotFound) The Resource '${type}/${name}' under resource group was not found in subscription.\nCode: ResourceNotFound`);
}

function vault(state, name) {
  const found = findResource(state, "vaults", name);
  if (!found) throw notFound("Microsoft.KeyVault/vaults", name);
  return found;
}

function registry(state, name) {
  const found = findResource(state, "registries", name);
  if (!found) throw new ToolError(`ERROR: The resource with name '${name}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${state.account.selected}'.`);
  return found.resource;
}

/** Every scope that exists in the selected subscription: resource ids, and the ids of the items they hold. */
function scopeExists(state, scope) {
  const subscription = selectedSubscription(state);
  if (scope === `/subscriptions/${subscription.id}`) return true;
  for (const [groupName, group] of Object.entries(subscription.ref.resourceGroups ?? {})) {
    for (const [name, v] of Object.entries(group.vaults ?? {})) {
      const id = `/subscriptions/${subscription.id}/resourceGroups/${groupName}/providers/Microsoft.KeyVault/vaults/${name}`;
      if (scope === id || Object.keys(v.secrets ?? {}).some(s => scope === `${id}/secrets/${s}`) || Object.keys(v.keys ?? {}).some(k => scope === `${id}/keys/${k}`)) return true;
    }
  }
  return false;
}

// The commands modelled, longest first: a command's positional arguments (az acr build's source folder) follow it.
const COMMANDS = ["keyvault certificate create", "acr repository show-tags", "role assignment create", "role assignment list", "aks get-credentials", "provider register", "aks nodepool list", "keyvault show", "vm list-usage", "provider list", "account show", "vm list-skus", "account set", "acr import", "acr login", "acr build", "login"];

export function az(state, parsed, args) {
  const { words, options } = parsed;
  const joined = words.join(" ");
  const command = COMMANDS.find(c => joined === c || joined.startsWith(c + " ")) ?? joined;
  switch (command) {
    case "account set": {
      // A2
      const wanted = options["--subscription"] ?? options["-s"];
      if (!state.subscriptions[wanted] || !(state.account.visible ?? Object.keys(state.subscriptions)).includes(wanted)) {
        throw new ToolError(`ERROR: The subscription of '${wanted}' doesn't exist in cloud 'AzureCloud'.`);
      }
      state.account.selected = wanted;
      return undefined;
    }
    case "account show": {
      const s = selectedSubscription(state);
      return { id: s.id, name: s.name, tenantId: s.tenantId, state: "Enabled", isDefault: true, user: { name: state.account.principal.name ?? "deployer", type: state.account.principal.type === "ServicePrincipal" ? "servicePrincipal" : "user" } };
    }
    case "provider list":
      return Object.entries(selectedSubscription(state).providers ?? {}).map(([namespace, registrationState]) => ({ namespace, registrationState, resourceTypes: [] }));
    case "provider register": {
      const s = selectedSubscription(state);
      (s.ref.providers ??= {})[options["--namespace"]] = "Registered";
      return undefined;
    }
    case "vm list-skus": {
      // A4
      const skus = state.skus[options["--location"]] ?? [];
      return skus.filter(s => options["--all"] || !(s.restrictions ?? []).some(r => r.type === "Location")).map(s => ({ resourceType: "virtualMachines", ...s }));
    }
    case "vm list-usage": {
      const usage = selectedSubscription(state).usage?.[options["--location"]] ?? {};
      return Object.entries(usage).map(([value, u]) => ({ currentValue: u.current, limit: u.limit, localName: u.localizedValue ?? value, name: { value, localizedValue: u.localizedValue ?? value }, unit: "Count" }));
    }
    case "aks nodepool list": {
      const cluster = resourceGroup(state, options["--resource-group"]).clusters?.[options["--cluster-name"]];
      if (!cluster) throw notFound("Microsoft.ContainerService/managedClusters", options["--cluster-name"]);
      return cluster.pools.map(p => ({ name: p.name, count: p.count, enableAutoScaling: true, minCount: p.minCount, maxCount: p.maxCount, vmSize: p.vmSize }));
    }
    case "aks get-credentials": {
      const cluster = resourceGroup(state, options["--resource-group"]).clusters?.[options["--name"]];
      if (!cluster) throw notFound("Microsoft.ContainerService/managedClusters", options["--name"]);
      state.kubeconfig = { cluster: options["--name"], subscription: state.account.selected, converted: false };
      return undefined;
    }
    case "keyvault show": {
      const { groupName, subscription } = vault(state, options["--name"]);
      return { id: `/subscriptions/${subscription.id}/resourceGroups/${groupName}/providers/Microsoft.KeyVault/vaults/${options["--name"]}`, name: options["--name"] };
    }
    case "keyvault certificate create": {
      const { resource } = vault(state, options["--vault-name"]);
      const policy = jsonArgument(options["--policy"], "--policy");
      const x509 = policy.x509CertificateProperties ?? {};
      // A8
      if (!/^CN=.+/.test(x509.subject ?? "")) throw new ToolError(`ERROR: (BadParameter) Subject '${x509.subject}' is not a valid X.500 name.`);
      for (const name of x509.subjectAlternativeNames?.dnsNames ?? []) {
        if (!HOST.test(name)) throw new ToolError(`ERROR: (BadParameter) '${name}' is not a valid DNS name for a subject alternative name.`);
      }
      if (policy.keyProperties?.exportable !== true) throw new ToolError("ERROR: (BadParameter) The certificate's key must be exportable for its secret to hold the private key.");
      const name = options["--name"];
      (resource.certificates ??= {})[name] = policy;
      // A certificate's secret (the PFX with its private key) has the certificate's name.
      (resource.secrets ??= {})[name] = { contentType: policy.secretProperties?.contentType ?? "application/x-pkcs12" };
      return { id: `${resource.uri ?? ""}certificates/${name}/pending`, status: "completed" };
    }
    case "role assignment list": {
      const scope = options["--scope"];
      return (selectedSubscription(state).ref.roleAssignments ?? []).filter(r => (!scope || r.scope === scope) && (!options["--assignee"] || r.principalId === options["--assignee"]) && (!options["--role"] || r.roleDefinitionName === options["--role"]));
    }
    case "role assignment create": {
      const s = selectedSubscription(state);
      const scope = options["--scope"];
      const principal = options["--assignee-object-id"] ?? options["--assignee"];
      // A7
      if (!BUILT_IN_ROLES.has(options["--role"])) throw new ToolError(`ERROR: Role '${options["--role"]}' doesn't exist.`);
      if (!scopeExists(state, scope)) throw new ToolError(`ERROR: (ResourceNotFound) The scope '${scope}' does not exist or is not accessible.\nCode: ResourceNotFound`);
      if (!(s.ref.principals ?? []).includes(principal)) throw new ToolError(`ERROR: (PrincipalNotFound) Principal ${principal} does not exist in the directory.\nCode: PrincipalNotFound`);
      const assignment = { id: guid(`ra-${scope}-${principal}-${options["--role"]}`), scope, principalId: principal, roleDefinitionName: options["--role"], principalType: options["--assignee-principal-type"] };
      (s.ref.roleAssignments ??= []).push(assignment);
      return assignment;
    }
    case "acr repository show-tags": {
      const tags = registry(state, options["--name"]).tags?.[options["--repository"]];
      if (!tags) throw new ToolError(`ERROR: (RepositoryNotFound) repository ${options["--repository"]} is not found.`);
      return tags;
    }
    case "acr import": {
      const r = registry(state, options["--name"]);
      const source = options["--source"];
      if (source.startsWith("docker.io/") && !options["--username"]) {
        // A6
        if (state.dockerHub.anonymousPulls <= 0) {
          throw new ToolError(`ERROR: (InvalidParameters) Operation registries-import failed. Error: 'toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit'.`);
        }
        state.dockerHub.anonymousPulls--;
      }
      tag(r, options["--image"]);
      return undefined;
    }
    case "acr build": {
      const r = registry(state, options["--registry"]);
      // A5
      const offer = selectedSubscription(state).quotaId ?? "PayAsYouGo_2014-09-01";
      if (/^(FreeTrial_|AzureForStudents_|AzurePass_)/.test(offer)) {
        throw new ToolError(`ERROR: (TasksOperationsNotAllowed) ACR Tasks requests for the registry ${options["--registry"]} and ${state.account.selected} are not permitted. Please file an Azure support request at http://aka.ms/azuresupport for assistance.\nCode: TasksOperationsNotAllowed`);
      }
      tag(r, options["--image"]);
      return undefined;
    }
    case "acr login": {
      registry(state, options["--name"]);
      state.docker.loggedIn = [...new Set([...(state.docker.loggedIn ?? []), options["--name"]])];
      return undefined;
    }
    case "login": {
      // The azure/login action's stand-in: `az login --service-principal --federated-token`, then `az account set`.
      if (!("--service-principal" in options) || !options["--federated-token"]) throw new Unmodelled("az", args);
      const principal = federatedSignIn(state, options["--username"], options["--tenant"], options["--federated-token"]);
      state.account.principal = principal;
      state.account.visible = principal.subscriptions;
      state.account.selected = principal.subscriptions[0] ?? null;
      return principal.subscriptions.map(id => ({ id, tenantId: options["--tenant"], user: { name: options["--username"], type: "servicePrincipal" } }));
    }
    default:
      throw new Unmodelled("az", args);
  }
}

/** A9: the principal a GitHub Actions OIDC token signs in as (the token is `github-oidc:<subject>` here). */
export function federatedSignIn(state, clientId, tenantId, token) {
  const app = state.principals?.[clientId];
  if (!app || app.tenantId !== tenantId) {
    throw new ToolError(`ERROR: AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
  }
  const subject = String(token ?? "").replace(/^github-oidc:/, "");
  if (!(app.federatedSubjects ?? []).includes(subject)) {
    throw new ToolError(`ERROR: AADSTS700213: No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  return { objectId: app.objectId, type: "ServicePrincipal", graph: app.graph ?? "none", name: clientId, subscriptions: app.subscriptions ?? [] };
}

/** `az rest` against https://management.azure.com: the subscription's details (its offer is subscriptionPolicies.quotaId). */
export function rest(state, method, url, args) {
  const m = /^\/subscriptions\/([^/]+)$/.exec(url.pathname);
  if (method === "GET" && m) {
    const s = state.subscriptions[m[1]];
    if (!s || !(state.account.visible ?? Object.keys(state.subscriptions)).includes(m[1])) throw new ToolError(`ERROR: Not Found({"error":{"code":"SubscriptionNotFound","message":"The subscription '${m[1]}' could not be found."}})`);
    return { id: `/subscriptions/${m[1]}`, subscriptionId: m[1], tenantId: s.tenantId, displayName: s.name, state: "Enabled", subscriptionPolicies: { quotaId: s.quotaId ?? "PayAsYouGo_2014-09-01", spendingLimit: "Off" } };
  }
  throw new Unmodelled("az", args);
}

function tag(r, image) {
  const at = image.lastIndexOf(":");
  const tags = ((r.tags ??= {})[image.slice(0, at)] ??= []);
  if (!tags.includes(image.slice(at + 1))) tags.push(image.slice(at + 1));
}
