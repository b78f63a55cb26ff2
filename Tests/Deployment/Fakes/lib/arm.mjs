// Azure Resource Manager as `az` reaches it, with the rules of the real service that our calls depend on.
//   A1 az acts on the subscription it selected last; AZURE_SUBSCRIPTION_ID in the environment changes nothing
//      (azure-cli issue 17989). The world's selected subscription is not azd's.
//   A2 `az account set` accepts only a subscription the signed-in account can see: "The subscription of '<id>'
//      doesn't exist in cloud 'AzureCloud'."
//   A3 Resources are looked up in the selected subscription: ResourceGroupNotFound / ResourceNotFound otherwise.
//   A4 `az vm list-skus` lists the sizes a subscription may not use only with --all (az docs: "--all  Show all
//      information including vm sizes not available under the current subscription"; azure-cli,
//      command_modules/vm/_vm_utils.py, is_sku_available; golden-tested with the CLI's code).
//   A5 ACR Tasks (`az acr build`) are refused on subscriptions paid by free credits: TasksOperationsNotAllowed
//      (Azure-Samples/azure-search-openai-demo issue 2220; MicrosoftLearning AZ-204 issue 855).
//   A6 Docker Hub limits anonymous pulls; `az acr import` from docker.io without credentials fails once the limit is
//      spent: "toomanyrequests: You have reached your unauthenticated pull rate limit" (Docker docs, "Usage and
//      limits"). Authenticated imports go through.
//   A7 A role assignment's scope must exist (a certificate's secret exists only once the certificate does), its
//      principal must exist (PrincipalNotFound), and its role name must be a built-in role.
//   A8 Key Vault certificate policies: subject "CN=...", subject alternative names that are DNS names, an exportable
//      key for a certificate whose private key a gateway must read (Key Vault docs, certificate policy).
//   A11 `az vm list-usage` prints currentValue and limit as strings and adds localName; the SDK's constant unit is
//       not printed (azure-cli, command_modules/vm/_format.py, transform_vm_usage_list; generated from the CLI's own
//       code in Tests/Deployment/AzCliGoldenTests.cs).
//   A12 `az acr repository list` prints the registry's catalog, [] for a new registry; `show-tags` of a repository
//       the registry does not know fails with the registry's NAME_UNKNOWN message and a correlation id, and no code:
//       "ERROR: Error: repository name not known to registry. Correlation ID: <id>." (azure-cli,
//       command_modules/acr/repository.py acr_repository_list; _docker_utils.py request_data_from_registry and
//       parse_error_message; the Docker Registry HTTP API's NAME_UNKNOWN; both golden-tested with the CLI's code).
//   A13 `az keyvault certificate create` answers with the certificate operation and exits 0 whatever its status: for
//       issuer Self it waits while the status is inProgress (taking the issuance's time), then returns completed,
//       failed (with Key Vault's error) or cancelled; the certificate's secret exists only once it completed
//       (azure-cli, command_modules/keyvault/custom.py, create_certificate). `pending show` reads the operation.
//   A14 Every call but `account set`/`show` needs a token: ARM for Resource Manager, the vault's for Key Vault, the
//       storage one for data-plane storage calls, the resource asked for by `account get-access-token` (lib/identity.mjs
//       T1, T2). A role assignment records when it was made; the fakes count it only once it took effect (T4).
//   A15 Data-plane storage calls (`--auth-mode login`) need a storage data role on the container or above, counted
//       once it took effect (T4): "This request is not authorized to perform this operation using this permission."
//       (AuthorizationPermissionMismatch; Azure Storage REST, blob service error codes).
//   A16 `az` reads any argument written @path from that file and @- from its standard input (azure-cli,
//       azure/cli/core/commands/__init__.py, _expand_file_prefixed_files), so a secret given as @- never shows in
//       the process's arguments.
//   A18 A vault whose firewall denies by default answers its data plane (certificates, secrets) only from an address
//       its IP rules hold (a service endpoint's subnet never matches a machine outside Azure; trusted services are not
//       az's callers): 403 Forbidden, inner code ForbiddenByFirewall, "Client address is not authorized and caller is
//       not a trusted service." with the client's address (learn.microsoft.com azure/key-vault/general/network-security;
//       the text as users met it: hashicorp/terraform-provider-azurerm issue 4553, microsoft/azure-container-apps issue
//       888). The CLI prints azure-core's HttpResponseError: "(Code) Message", then Code, Message and the inner error as
//       indented JSON (azure-core, azure/core/exceptions.py, ODataV4Format). Control-plane calls (`keyvault show`) pass.
//   A9 A federated sign-in (azure/login, `azd auth login --federated-credential-provider github`) needs an app in the
//      tenant (AADSTS700016) with a federated credential whose subject equals the token's, case included: a job with
//      `environment: production` presents `repo:<owner>/<repo>:environment:production` (AADSTS700213; Azure/login
//      issues 379, 482 and 515).
// Output shapes of the other commands (what the hooks read of each): `account show` (tenantId: the profile's subscription
// entry, azure-cli azure/cli/core/_profile.py), `provider list` (namespace, registrationState: REST Providers - List),
// `aks nodepool list` (name, count: REST Agent Pools - List), `keyvault show` (id: REST Vaults - Get), `role assignment
// list` (REST Role Assignments - List For Scope), `account get-access-token` (accessToken, expiresOn, expires_on,
// subscription, tenant, tokenType: azure-cli command_modules/profile/custom.py, get_access_token); the CLI prints JSON
// through knack's todict with camelCase keys (azure/cli/core/commands/__init__.py). Errors: knack prints a CLIError
// as "ERROR: <message>" with exit code 1; ARM's errors arrive as "(Code) Message" with "Code: ..." on the next line.
import { ToolError, Unmodelled, jsonArgument } from "./cli.mjs";
import { guid, selectedSubscription, resourceGroup, findResource } from "./state.mjs";
import { azToken, federatedSession, assignRole, hasRole, RESOURCES } from "./identity.mjs";
import { now, advance } from "./clock.mjs";

const BUILT_IN_ROLES = new Set(["Key Vault Secrets User", "Key Vault Crypto User", "Key Vault Certificates Officer", "Storage Blob Data Contributor",
  "Storage Table Data Contributor", "AcrPull", "Monitoring Data Reader", "Monitoring Metrics Publisher", "Azure Kubernetes Service RBAC Cluster Admin",
  "Contributor", "Role Based Access Control Administrator"]);
const STORAGE_DATA_ROLES = ["Storage Blob Data Contributor", "Storage Blob Data Owner"];
// Calls that need no token: they read and write az's own profile.
const OFFLINE = new Set(["account set", "account show", "login", "account get-access-token"]);
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
    const groupId = `/subscriptions/${subscription.id}/resourceGroups/${groupName}`;
    if (scope === groupId) return true;
    for (const [name, v] of Object.entries(group.vaults ?? {})) {
      const id = `${groupId}/providers/Microsoft.KeyVault/vaults/${name}`;
      if (scope === id || Object.keys(v.secrets ?? {}).some(s => scope === `${id}/secrets/${s}`) || Object.keys(v.keys ?? {}).some(k => scope === `${id}/keys/${k}`)) return true;
    }
    for (const [name, account] of Object.entries(group.storageAccounts ?? {})) {
      const id = storageId(subscription.id, groupName, name);
      if (scope === id || Object.keys(account.containers ?? {}).some(c => scope === `${id}/blobServices/default/containers/${c}`)) return true;
    }
    if (Object.keys(group.clusters ?? {}).some(c => scope === `${groupId}/providers/Microsoft.ContainerService/managedClusters/${c}`)) return true;
  }
  return false;
}

// The commands modelled, longest first: a command's positional arguments (az acr build's source folder) follow it.
const COMMANDS = ["keyvault certificate pending show", "keyvault certificate create", "acr repository show-tags", "acr repository list", "account get-access-token",
  "storage container-rm create", "storage account create", "storage account show", "storage blob list", "group create", "role assignment create", "role assignment list", "aks get-credentials", "provider register", "aks nodepool list", "keyvault show", "vm list-usage", "provider list", "account show", "vm list-skus", "account set", "acr import", "acr login", "acr build", "login"];

export function az(state, parsed, args) {
  const { words, options } = parsed;
  const joined = words.join(" ");
  const command = COMMANDS.find(c => joined === c || joined.startsWith(c + " ")) ?? joined;
  // A14
  if (command.startsWith("keyvault certificate")) {
    azToken(state, RESOURCES.vault);
    vaultFirewall(state, options["--vault-name"]);
  }
  else if (command === "storage blob list") azToken(state, RESOURCES.storage);
  else if (!OFFLINE.has(command)) azToken(state, RESOURCES.arm);
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
      // A4: without --all, a size restricted in this location for this subscription is left out (azure-cli,
      // command_modules/vm/_vm_utils.py, is_sku_available; golden-tested with the CLI's code).
      const location = options["--location"];
      const restrictedHere = s => (s.restrictions ?? []).some(r => r.reasonCode === "NotAvailableForSubscription" && r.type === "Location"
        && (r.restrictionInfo?.locations ?? []).includes(s.locationInfo?.[0]?.location));
      const skus = state.skus[location] ?? [];
      return skus.filter(s => options["--all"] || !restrictedHere(s)).map(s => ({ resourceType: "virtualMachines", ...s }));
    }
    case "vm list-usage": {
      // A11
      const usage = selectedSubscription(state).usage?.[options["--location"]] ?? {};
      return Object.entries(usage).map(([value, u]) => ({ currentValue: String(u.current), limit: String(u.limit), localName: u.localizedValue ?? value, name: { localizedValue: u.localizedValue ?? value, value } }));
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
      // A13: the CLI polls every 10 s until the operation leaves inProgress; the scenario says how it ends.
      const issuance = state.keyVaultIssuance ?? { seconds: 20, outcome: "completed" };
      advance(state, Math.ceil(issuance.seconds / 10) * 10);
      const operation = certificateOperation(resource, name, policy, issuance.outcome);
      (resource.operations ??= {})[name] = operation;
      if (issuance.outcome === "completed") {
        (resource.certificates ??= {})[name] = policy;
        // A certificate's secret (the PFX with its private key) has the certificate's name.
        (resource.secrets ??= {})[name] = { contentType: policy.secretProperties?.contentType ?? "application/x-pkcs12" };
      }
      return operation;
    }
    case "keyvault certificate pending show": {
      const { resource } = vault(state, options["--vault-name"]);
      const operation = resource.operations?.[options["--name"]];
      if (!operation) throw new ToolError(`ERROR: (CertificateNotFound) Pending certificate not found: ${options["--name"]}`);
      return operation;
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
      if (!knownPrincipal(state, s, principal)) throw new ToolError(`ERROR: (PrincipalNotFound) Principal ${principal} does not exist in the directory.\nCode: PrincipalNotFound`);
      return assignRole(state, s.ref, { scope, principalId: principal, role: options["--role"], principalType: options["--assignee-principal-type"] });
    }
    case "acr repository list":
      // A12
      return Object.keys(registry(state, options["--name"]).tags ?? {}).sort();
    case "acr repository show-tags": {
      const tags = registry(state, options["--name"]).tags?.[options["--repository"]];
      // A12
      if (!tags) throw new ToolError(`ERROR: Error: repository name not known to registry. Correlation ID: ${guid(`acr-${now(state)}`)}.`);
      return tags;
    }
    case "account get-access-token": {
      const resource = options["--resource"] ?? RESOURCES.arm;
      azToken(state, resource);
      const s = selectedSubscription(state);
      return { accessToken: `token-for-${resource}`, expiresOn: "2026-12-07 10:00:00.000000", expires_on: 1796634000, subscription: s.id, tenant: s.tenantId, tokenType: "Bearer" };
    }
    case "group create": {
      const s = selectedSubscription(state);
      ((s.ref.resourceGroups ??= {})[options["--name"]] ??= {}).location = options["--location"];
      return { id: `/subscriptions/${s.id}/resourceGroups/${options["--name"]}`, location: options["--location"], name: options["--name"], properties: { provisioningState: "Succeeded" } };
    }
    case "storage account create": {
      const s = selectedSubscription(state);
      const group = resourceGroup(state, options["--resource-group"]);
      const name = options["--name"];
      if (findStorage(state, name)) throw new ToolError(`ERROR: (StorageAccountAlreadyTaken) The storage account named ${name} is already taken.`);
      (group.storageAccounts ??= {})[name] = { containers: {}, allowSharedKeyAccess: options["--allow-shared-key-access"] !== "false" ? true : false };
      return { id: storageId(s.id, options["--resource-group"], name), name };
    }
    case "storage account show": {
      const found = findStorage(state, options["--name"]);
      if (!found) throw notFound("Microsoft.Storage/storageAccounts", options["--name"]);
      return { id: storageId(found.subscription, found.group, options["--name"]), name: options["--name"] };
    }
    case "storage container-rm create": {
      const found = findStorage(state, options["--storage-account"]);
      if (!found) throw notFound("Microsoft.Storage/storageAccounts", options["--storage-account"]);
      found.account.containers[options["--name"]] ??= { blobs: {} };
      return { name: options["--name"] };
    }
    case "storage blob list": {
      // A15
      if (options["--auth-mode"] !== "login") throw new Unmodelled("az", args);
      const found = findStorage(state, options["--account-name"]);
      if (!found) throw new ToolError(`ERROR: <urllib3.connection.HTTPSConnection object>: Failed to resolve '${options["--account-name"]}.blob.core.windows.net'`);
      const container = options["--container-name"];
      const scope = `${storageId(found.subscription, found.group, options["--account-name"])}/blobServices/default/containers/${container}`;
      if (!hasRole(state, state.account.principal.objectId, STORAGE_DATA_ROLES, scope)) throw storageDenied();
      if (!found.account.containers[container]) throw new ToolError("ERROR: The specified container does not exist.\nErrorCode:ContainerNotFound");
      return Object.keys(found.account.containers[container].blobs ?? {}).map(name => ({ name }));
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
      state.account.session = federatedSession(state);
      state.account.visible = principal.subscriptions;
      state.account.selected = principal.subscriptions[0] ?? null;
      return principal.subscriptions.map(id => ({ id, tenantId: options["--tenant"], user: { name: options["--username"], type: "servicePrincipal" } }));
    }
    default:
      throw new Unmodelled("az", args);
  }
}

/**
 * A9: the principal a GitHub Actions OIDC token signs in as (the token is `github-oidc:<subject>` here): the tenant's
 * app registration with that client id, through a federated credential whose subject is the token's, as its service
 * principal. It sees the subscriptions it holds a role in (az login lists them; an app without one gets "No
 * subscriptions found"). The app registration has no Graph permission unless the scenario gives it one.
 */
export function federatedSignIn(state, clientId, tenantId, token) {
  const tenant = state.tenants[tenantId];
  const app = Object.values(tenant?.apps ?? {}).find(a => a.appId === clientId);
  const servicePrincipal = tenant?.servicePrincipals?.[clientId];
  if (!app || !servicePrincipal) {
    throw new ToolError(`ERROR: AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
  }
  const subject = String(token ?? "").replace(/^github-oidc:/, "");
  const trusted = (app.federatedIdentityCredentials ?? []).some(c => c.issuer === "https://token.actions.githubusercontent.com" && c.subject === subject);
  if (!trusted) {
    throw new ToolError(`ERROR: AADSTS700213: No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  const subscriptions = Object.entries(state.subscriptions).filter(([, s]) => (s.roleAssignments ?? []).some(r => r.principalId === servicePrincipal.id)).map(([id]) => id);
  return { objectId: servicePrincipal.id, type: "ServicePrincipal", graph: app.graphRights ?? "none", name: clientId, subscriptions };
}

/** `az rest` against https://management.azure.com: the subscription's details (its offer is subscriptionPolicies.quotaId). */
export function rest(state, method, url, args) {
  azToken(state, RESOURCES.arm);
  const m = /^\/subscriptions\/([^/]+)$/.exec(url.pathname);
  if (method === "GET" && m) {
    const s = state.subscriptions[m[1]];
    if (!s || !(state.account.visible ?? Object.keys(state.subscriptions)).includes(m[1])) throw new ToolError(`ERROR: Not Found({"error":{"code":"SubscriptionNotFound","message":"The subscription '${m[1]}' could not be found."}})`);
    return { id: `/subscriptions/${m[1]}`, subscriptionId: m[1], tenantId: s.tenantId, displayName: s.name, state: "Enabled", subscriptionPolicies: { quotaId: s.quotaId ?? "PayAsYouGo_2014-09-01", spendingLimit: "Off" } };
  }
  throw new Unmodelled("az", args);
}

/** A13: the certificate operation as the CLI prints it (the SDK's CertificateOperation, camelCased). */
function certificateOperation(resource, name, policy, outcome) {
  return {
    cancellationRequested: outcome === "cancelled",
    csr: "MIICrjCCAZYCAQAwHzEdMBsGA1UEAxMU",
    error: outcome === "failed" ? { code: "KeyVaultCertificateIssuanceFailed", innerError: null, message: "The certificate could not be issued: the vault refused the signing request." } : null,
    id: `${resource.uri ?? ""}certificates/${name}/pending`,
    issuerParameters: { certificateTransparency: null, certificateType: null, name: policy.issuerParameters?.name ?? "Self" },
    requestId: guid(`request-${name}`),
    status: outcome,
    statusDetails: null,
    target: `${resource.uri ?? ""}certificates/${name}`,
  };
}

function storageId(subscription, group, name) {
  return `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

/** A storage account anywhere in the fake cloud (its name is global). */
export function findStorage(state, name) {
  for (const [subscription, s] of Object.entries(state.subscriptions)) {
    for (const [group, g] of Object.entries(s.resourceGroups ?? {})) {
      if (g.storageAccounts?.[name]) return { subscription, group, account: g.storageAccounts[name], id: storageId(subscription, group, name) };
    }
  }
  return undefined;
}

export function storageDenied() {
  return new ToolError("ERROR: This request is not authorized to perform this operation using this permission.\nErrorCode:AuthorizationPermissionMismatch");
}

/** A principal the directory knows: the plan's identities, a deployment app's service principal, a person. */
function knownPrincipal(state, subscription, principal) {
  if ((subscription.ref.principals ?? []).includes(principal)) return true;
  if (state.account.principal?.objectId === principal) return true;
  return Object.values(state.tenants).some(t => Object.values(t.servicePrincipals ?? {}).some(sp => sp.id === principal));
}

function tag(r, image) {
  const at = image.lastIndexOf(":");
  const tags = ((r.tags ??= {})[image.slice(0, at)] ??= []);
  if (!tags.includes(image.slice(at + 1))) tags.push(image.slice(at + 1));
}

/** A18: the machine's public address against the vault's IP rules, when its firewall denies by default. */
function vaultFirewall(state, vaultName) {
  const { resource } = vault(state, vaultName);
  if (!resource.network?.restricted) return;
  const address = state.account.address;
  if (resource.network.ipRules.some(rule => inRange(address, rule))) return;
  const message = `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${address}\r\nCaller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${state.account.principal.objectId};iss=https://sts.windows.net/${selectedSubscription(state).tenantId}/\r\nVault: ${vaultName};location=westeurope`;
  throw new ToolError(`ERROR: (Forbidden) ${message}\nCode: Forbidden\nMessage: ${message}\nInner error: {\n    "code": "ForbiddenByFirewall"\n}`);
}

function inRange(address, cidr) {
  const [network, bits] = cidr.split("/");
  const number = a => a.split(".").reduce((n, part) => n * 256 + Number(part), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(number(address) / size) === Math.floor(number(network) / size);
}
