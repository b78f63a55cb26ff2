// Who a tool acts as, for how long its tokens last, and when a role assignment starts to count.
//   T1 az signed in with a federated token (azure/login: `az login --service-principal --federated-token`) keeps the
//      assertion, not a refresh token. A token for a resource az has not asked for yet needs the assertion again,
//      which Entra refuses once it expired: "AADSTS700024: Client assertion is not within its valid time range.
//      Current time: ..., assertion valid from ..., expiry time of assertion ..." GitHub's assertion lasts five
//      minutes (Azure/login issue 180: valid from 06:01:13, expiry 06:06:13; azure-cli issue 28708; Azure/login issue
//      372). az gets its Resource Manager token at sign-in (it lists the subscriptions), so ARM calls go on working.
//   T2 An access token lasts 60 to 90 minutes (learn.microsoft.com entra/identity-platform/access-tokens, "Access
//      token lifetime"); the fake gives the shortest.
//   T3 azd signed in with `--federated-credential-provider github` asks GitHub for a new assertion each time it needs
//      a token (azure-dev, cli/azd/pkg/auth/manager.go, newCredentialFromFederatedTokenProvider), so it never
//      expires, but each process that asks (kubelogin's `azd auth token`) needs ACTIONS_ID_TOKEN_REQUEST_URL and
//      _TOKEN in its environment.
//   T4 A new role assignment takes a while to count: Azure Kubernetes Service RBAC roles up to five minutes
//      (learn.microsoft.com azure/aks/manage-azure-rbac), storage data roles up to ten (learn.microsoft.com
//      azure/storage/blobs/assign-azure-role-data-access: "it can take up to 10 minutes for changes to take
//      effect"). The fake takes the longest; a scenario may shorten it (state.propagation).
import { ToolError } from "./cli.mjs";
import { now, iso } from "./clock.mjs";
import { guid } from "./state.mjs";

export const RESOURCES = {
  arm: "https://management.azure.com/",
  graph: "https://graph.microsoft.com/",
  vault: "https://vault.azure.net",
  storage: "https://storage.azure.com/",
  // The AKS Entra ID server application every Entra-enabled cluster shares (learn.microsoft.com azure/aks/kubelogin-authentication).
  aks: "6dae42f8-4368-4678-94ff-3960e28e3630",
};

const ASSERTION_LIFETIME = 300;
const TOKEN_LIFETIME = 3600;
const PROPAGATION = { "Azure Kubernetes Service RBAC Cluster Admin": 300, "Storage Blob Data Contributor": 600 };

/** T1, T2: a token for a resource, as az would get it for the principal signed in; throws AADSTS700024 past the assertion. */
export function azToken(state, resource) {
  const session = state.account.session;
  if (!session || session.kind !== "federated") return;
  const t = now(state);
  if ((session.tokens[resource] ?? -1) > t) return;
  if (t > session.assertionExpiresAt) {
    throw new ToolError(`ERROR: AADSTS700024: Client assertion is not within its valid time range. Current time: ${iso(t)}, assertion valid from ${iso(session.assertionIssuedAt)}, expiry time of assertion ${iso(session.assertionExpiresAt)}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials . Trace ID: ${guid(`trace-${t}`)} Correlation ID: ${guid(`correlation-${t}`)} Timestamp: ${iso(t).slice(0, 19).replace("T", " ")}Z`);
  }
  session.tokens[resource] = t + TOKEN_LIFETIME;
}

/** T1: az's session after a federated sign-in: the ARM token is fetched then. */
export function federatedSession(state) {
  const t = now(state);
  return { kind: "federated", assertionIssuedAt: t, assertionExpiresAt: t + ASSERTION_LIFETIME, tokens: { [RESOURCES.arm]: t + TOKEN_LIFETIME } };
}

/** T3: the principal azd acts as, for a process with this environment (a person's azd sign-in is the person's az one). */
export function azdPrincipal(state, env = process.env) {
  const signedIn = state.azd?.signedIn;
  if (!signedIn) return state.account.principal?.objectId;
  if (signedIn.provider === "github" && (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)) {
    throw new ToolError("ERROR: fetching token: no ACTIONS_ID_TOKEN_REQUEST_TOKEN set in environment.");
  }
  return signedIn.objectId;
}

/** T4: whether the principal holds one of the roles at the scope (or above it), counting only assignments that took effect. */
export function hasRole(state, principalId, roles, scope) {
  const t = now(state);
  const propagation = state.propagation ?? PROPAGATION;
  return Object.values(state.subscriptions).some(s => (s.roleAssignments ?? []).some(a =>
    a.principalId === principalId && roles.includes(a.roleDefinitionName)
    && (scope.toLowerCase() === a.scope.toLowerCase() || scope.toLowerCase().startsWith(a.scope.toLowerCase() + "/"))
    && (a.createdAt ?? -Infinity) + (propagation[a.roleDefinitionName] ?? 0) <= t));
}

/** A role assignment, made now unless the same one (scope, principal, role) exists: ARM keeps that one as it is. */
export function assignRole(state, subscription, { scope, principalId, role, principalType }) {
  const id = guid(`ra-${scope}-${principalId}-${role}`);
  const list = (subscription.roleAssignments ??= []);
  const existing = list.find(a => a.id === id);
  if (existing) return existing;
  const assignment = { id, scope, principalId, roleDefinitionName: role, principalType, createdAt: now(state) };
  list.push(assignment);
  return assignment;
}
