// Microsoft Graph as `az ad ...` and `az rest` reach it, with the rules of the real service that our calls depend on.
// Each rule names its source; Tests/Deployment/FakeCloudRulesTests.cs shows each one refusing its defect.
//   G1 preAuthorizedApplications[].delegatedPermissionIds must name scopes already stored on the application, not
//      ones in the same request: "Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id
//      that cannot be found in the AppPermissions sets." (microsoft-graph-docs issues 12675 and 20177,
//      msgraph-sdk-dotnet issue 2044).
//   G2 PATCH replaces a complex property (api) as a whole, and an enabled scope cannot be removed or changed until it
//      is disabled: CannotDeleteOrUpdateEnabledEntitlement (Graph docs, application resource: oauth2PermissionScopes).
//   G3 A body property Graph does not know is refused: "Unexpected contents in request body."
//      (microsoft-graph-docs-contrib issue 2406).
//   G4 identifierUris of a single-tenant app: api://{appId} (or api://{tenantId}/...), else a verified domain
//      (Entra docs, "Restrictions on identifier URIs"; error HostNameNotOnVerifiedDomain).
//   G5 Web redirect URIs: https (http only for localhost), no wildcard, no fragment, at most 256 characters
//      (Entra docs, "Redirect URI (reply URL) restrictions").
//   G6 Replication: an object just created is unknown to the next call(s) that name it: "Resource '<id>' does not exist
//      or one of its queried reference-property objects are not present." (azure-cli issue 1332).
//   G7 A principal without Graph permissions is refused every Graph call: Authorization_RequestDenied,
//      "Insufficient privileges to complete the operation."; one with read rights is refused writes.
//   G8 Graph calls go to the tenant of the subscription az selected (az acquires its Graph token there).
//   G9 Tenant-wide consent (admin-consent) needs an admin role: Authorization_RequestDenied otherwise.
//   G10 optionalClaims holds idToken, accessToken and saml2Token, each a list of optionalClaim objects (name, source,
//      essential, additionalProperties; name required); anything else is refused as G3 refuses it (Graph docs,
//      optionalClaims and optionalClaim resource types). PATCH replaces the whole object, as for api (G2).
//   G11 appRoles: each role has a new GUID id (unique in the list), allowedMemberTypes of "User" and/or "Application"
//      (at least one), a displayName and a description, and a value of at most 120 characters, unique, without spaces
//      and not starting with "."; origin is read-only and refused in a PATCH; PATCH replaces the whole list, and an
//      enabled role cannot be removed or changed until it is disabled, as for scopes (G2) (Graph docs, appRole
//      resource type; application update, "Update the appRoles for an application").
//   G12 groupMembershipClaims takes one of None, SecurityGroup, DirectoryRole, ApplicationGroup or All (Graph docs,
//      application resource type: "Configures the groups claim issued in a user or OAuth 2.0 access token that the
//      application expects"); anything else is refused: "Invalid value specified for property 'groupMembershipClaims'".
//   G13 A service principal's appRoleAssignmentRequired is a boolean (Graph docs, servicePrincipal resource type,
//      update servicePrincipal); a PATCH with anything else, or a property Graph does not know, is refused as G3 refuses it.
import { ToolError, Unmodelled, jsonArgument } from "./cli.mjs";
import { guid, tenant } from "./state.mjs";
import { azToken, RESOURCES } from "./identity.mjs";

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
// Microsoft Graph's delegated sign-in permissions, by id (the ids are the same in every tenant).
const GRAPH_SCOPES = {
  "37f7f235-527c-4136-accd-4a02d197296e": "openid",
  "14dad69e-099b-42c9-810b-d002981feec1": "profile",
  "7427e0e9-2fba-42fe-b0c0-848c9e6a8182": "offline_access",
  "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0": "email",
  "e1fe6dd8-ba31-4d61-89e7-88639da4683d": "User.Read",
};
const APPLICATION_PROPERTIES = new Set(["api", "identifierUris", "web", "requiredResourceAccess", "displayName", "signInAudience", "spa", "publicClient", "optionalClaims", "appRoles", "groupMembershipClaims"]);
const GROUP_MEMBERSHIP_CLAIMS = new Set(["None", "SecurityGroup", "DirectoryRole", "ApplicationGroup", "All"]);
const SERVICE_PRINCIPAL_PROPERTIES = new Set(["appRoleAssignmentRequired", "tags", "notes"]);
const APP_ROLE_PROPERTIES = new Set(["id", "allowedMemberTypes", "description", "displayName", "isEnabled", "value"]);
const APP_ROLE_VALUE = /^[0-9A-Za-z:!#$%&'()*+,\-./;<=>?@[\]^_`{|}~]{1,120}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPTIONAL_CLAIMS_PROPERTIES = new Set(["idToken", "accessToken", "saml2Token"]);
const OPTIONAL_CLAIM_PROPERTIES = new Set(["name", "source", "essential", "additionalProperties"]);
const API_PROPERTIES = new Set(["requestedAccessTokenVersion", "oauth2PermissionScopes", "preAuthorizedApplications", "acceptMappedClaims", "knownClientApplications"]);
const SCOPE_PROPERTIES = new Set(["id", "value", "type", "isEnabled", "adminConsentDisplayName", "adminConsentDescription", "userConsentDisplayName", "userConsentDescription"]);

function denied() {
  return new ToolError("ERROR: Insufficient privileges to complete the operation.\nForbidden({\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}})");
}

// G7
function authorize(state, write) {
  const rights = state.account.principal.graph ?? "full";
  if (rights === "none" || (write && rights === "read")) throw denied();
}

// G6: the object exists, but this call does not see it yet.
function visible(t, id) {
  if ((t.pending[id] ?? 0) > 0) {
    t.pending[id]--;
    throw new ToolError(`ERROR: Resource '${id}' does not exist or one of its queried reference-property objects are not present.\nCode: Request_ResourceNotFound`);
  }
}

function application(state, idOrAppId, { write = false } = {}) {
  authorize(state, write);
  const t = tenant(state);
  const app = Object.values(t.apps).find(a => a.appId === idOrAppId || a.id === idOrAppId);
  if (!app) throw new ToolError(`ERROR: Resource '${idOrAppId}' does not exist or one of its queried reference-property objects are not present.\nCode: Request_ResourceNotFound`);
  visible(t, app.appId);
  return app;
}

// G4
function checkIdentifierUris(state, app, uris) {
  const t = tenant(state);
  for (const uri of uris) {
    const ours = uri === `api://${app.appId}` || uri.startsWith(`api://${state.subscriptions[state.account.selected].tenantId}/`);
    const verified = (t.verifiedDomains ?? []).some(d => { try { return new URL(uri).hostname.endsWith(d); } catch { return false; } });
    if (!ours && !verified) {
      throw new ToolError(`ERROR: Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'\nCode: HostNameNotOnVerifiedDomain`);
    }
  }
}

// G5
function checkRedirectUris(uris) {
  for (const uri of uris) {
    let parsed;
    try { parsed = new URL(uri); } catch { parsed = undefined; }
    const localhost = parsed?.hostname === "localhost" || parsed?.hostname === "127.0.0.1";
    if (!parsed || (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && localhost)) || uri.includes("*") || parsed.hash || uri.length > 256) {
      throw new ToolError(`ERROR: Invalid value specified for property 'web.redirectUris' of resource 'Application': '${uri}'.\nCode: Request_BadRequest`);
    }
  }
}

function checkRequiredResourceAccess(access) {
  for (const resource of access) {
    if (resource.resourceAppId !== GRAPH_APP_ID) continue;
    for (const permission of resource.resourceAccess ?? []) {
      if (permission.type !== "Scope" || !GRAPH_SCOPES[permission.id]) {
        throw new ToolError(`ERROR: Property requiredResourceAccess.resourceAccess has an invalid permission id '${permission.id}' for resource ${GRAPH_APP_ID}.\nCode: Request_BadRequest`);
      }
    }
  }
}

function badRequest(message) {
  return new ToolError(`ERROR: Bad Request({"error":{"code":"Request_BadRequest","message":${JSON.stringify(message)}}})`);
}

// G11
function checkAppRoles(app, roles) {
  if (!Array.isArray(roles)) throw badRequest("Unexpected contents in request body.");
  const ids = new Set(), values = new Set();
  for (const role of roles) {
    if ("origin" in role) throw badRequest("Property 'origin' is read-only and cannot be set.");
    for (const key of Object.keys(role)) if (!APP_ROLE_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
    if (!GUID.test(role.id ?? "") || ids.has(role.id)) throw badRequest("Property appRoles.id must be a new, unique GUID.");
    const types = role.allowedMemberTypes ?? [];
    if (!Array.isArray(types) || types.length === 0 || types.some(t => t !== "User" && t !== "Application")) {
      throw badRequest("Property appRoles.allowedMemberTypes must hold 'User', 'Application', or both.");
    }
    if (!role.displayName || !role.description) throw badRequest("Property appRoles has an entry without displayName or description.");
    if (!APP_ROLE_VALUE.test(role.value ?? "") || role.value.startsWith(".") || values.has(role.value)) {
      throw badRequest(`Property appRoles.value is invalid or not unique: '${role.value}'.`);
    }
    ids.add(role.id);
    values.add(role.value);
  }
  for (const stored of (app.appRoles ?? []).filter(r => r.isEnabled)) {
    const kept = roles.find(r => r.id === stored.id);
    if (!kept || kept.value !== stored.value || kept.isEnabled === false || JSON.stringify(kept.allowedMemberTypes) !== JSON.stringify(stored.allowedMemberTypes)) {
      throw badRequest(`Permission (scope or role) cannot be deleted or updated unless disabled first. (CannotDeleteOrUpdateEnabledEntitlement: ${stored.value})`);
    }
  }
  app.appRoles = roles.map(r => ({ ...r, isEnabled: r.isEnabled ?? true, origin: "Application" }));
}

// G1, G2, G3: PATCH /applications(appId='...').
function patchApplication(state, app, body) {
  for (const key of Object.keys(body)) if (!APPLICATION_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
  if (body.api) {
    for (const key of Object.keys(body.api)) if (!API_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
    const scopes = body.api.oauth2PermissionScopes ?? [];
    for (const scope of scopes) {
      for (const key of Object.keys(scope)) if (!SCOPE_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
      if (!scope.id || !scope.value || !scope.type) throw badRequest("Property oauth2PermissionScopes has an entry without id, value or type.");
    }
    // G2: the new api replaces the stored one; every stored enabled scope must still be there, unchanged.
    for (const stored of app.api.oauth2PermissionScopes.filter(s => s.isEnabled)) {
      const kept = scopes.find(s => s.id === stored.id);
      if (!kept || kept.value !== stored.value || kept.isEnabled !== true) {
        throw badRequest(`Permission (scope or role) cannot be deleted or updated unless disabled first. (CannotDeleteOrUpdateEnabledEntitlement: ${stored.value})`);
      }
    }
    // G1: pre-authorizations are checked against the scopes stored before this request.
    const storedIds = new Set(app.api.oauth2PermissionScopes.map(s => s.id));
    for (const pre of body.api.preAuthorizedApplications ?? []) {
      for (const id of pre.delegatedPermissionIds ?? []) {
        if (!storedIds.has(id)) {
          throw new ToolError('ERROR: Bad Request({"error":{"code":"InvalidValue","message":"Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id that cannot be found in the AppPermissions sets.","details":[{"target":"api.preAuthorizedApplications.delegatedPermissionIds","code":"InvalidValue"}]}})');
        }
      }
    }
    app.api = {
      requestedAccessTokenVersion: body.api.requestedAccessTokenVersion ?? null,
      oauth2PermissionScopes: scopes,
      preAuthorizedApplications: body.api.preAuthorizedApplications ?? [],
    };
  }
  if (body.appRoles) checkAppRoles(app, body.appRoles);
  if (body.groupMembershipClaims !== undefined) {
    // G12
    if (!GROUP_MEMBERSHIP_CLAIMS.has(body.groupMembershipClaims)) throw badRequest("Invalid value specified for property 'groupMembershipClaims' of resource 'Application'.");
    app.groupMembershipClaims = body.groupMembershipClaims;
  }
  if (body.optionalClaims) {
    // G10
    for (const key of Object.keys(body.optionalClaims)) if (!OPTIONAL_CLAIMS_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
    for (const claims of Object.values(body.optionalClaims)) {
      if (!Array.isArray(claims)) throw badRequest("Unexpected contents in request body.");
      for (const claim of claims) {
        for (const key of Object.keys(claim)) if (!OPTIONAL_CLAIM_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
        if (typeof claim.name !== "string" || !claim.name) throw badRequest("Property optionalClaims has an entry without a name.");
      }
    }
    app.optionalClaims = { idToken: body.optionalClaims.idToken ?? [], accessToken: body.optionalClaims.accessToken ?? [], saml2Token: body.optionalClaims.saml2Token ?? [] };
  }
  if (body.identifierUris) { checkIdentifierUris(state, app, body.identifierUris); app.identifierUris = body.identifierUris; }
  if (body.web?.redirectUris) { checkRedirectUris(body.web.redirectUris); app.web.redirectUris = body.web.redirectUris; }
  if (body.requiredResourceAccess) { checkRequiredResourceAccess(body.requiredResourceAccess); app.requiredResourceAccess = body.requiredResourceAccess; }
}

function servicePrincipal(state, appId) {
  authorize(state, false);
  const t = tenant(state);
  if (appId === GRAPH_APP_ID) return { id: t.graphServicePrincipalId ??= guid(`graph-sp-${state.account.selected}`), appId };
  visible(t, appId);
  return t.servicePrincipals[appId];
}

export function az(state, parsed, args) {
  const { words, options } = parsed;
  const command = words.join(" ");
  const t = () => tenant(state);
  // A14 (lib/arm.mjs): Graph has its own token.
  azToken(state, RESOURCES.graph);
  switch (command) {
    case "ad signed-in-user show": {
      // Graph's /me: a person only (Graph docs, "Get signed-in user"); az asks it for the signed-in account.
      authorize(state, false);
      const me = state.account.principal;
      if (me.type !== "User") throw new ToolError("ERROR: /me request is only valid with delegated authentication flow.");
      return { id: me.objectId, userPrincipalName: me.name ?? "admin@contoso.com", displayName: "Admin" };
    }
    case "ad app create": {
      authorize(state, true);
      const name = options["--display-name"];
      const appId = guid(`app-${state.account.selected}-${name}-${state.counter++}`);
      const app = { id: guid(`object-${appId}`), appId, displayName: name, signInAudience: options["--sign-in-audience"] ?? "AzureADMyOrg",
        identifierUris: [], api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
        web: { redirectUris: [] }, requiredResourceAccess: [], optionalClaims: null, appRoles: [] };
      if (options["--web-redirect-uris"]) { const uris = [options["--web-redirect-uris"]]; checkRedirectUris(uris); app.web.redirectUris = uris; }
      if (options["--required-resource-accesses"]) {
        const access = jsonArgument(options["--required-resource-accesses"], "--required-resource-accesses");
        checkRequiredResourceAccess(access);
        app.requiredResourceAccess = access;
      }
      t().apps[app.id] = app;
      // G6: Graph has not replicated the new application yet.
      t().pending[appId] = state.graphReplicationLag ?? 1;
      return app;
    }
    case "ad app show":
      return application(state, options["--id"]);
    case "ad app update": {
      const app = application(state, options["--id"], { write: true });
      if (options["--identifier-uris"]) { checkIdentifierUris(state, app, [options["--identifier-uris"]]); app.identifierUris = [options["--identifier-uris"]]; }
      if (options["--web-redirect-uris"]) { checkRedirectUris([options["--web-redirect-uris"]]); app.web.redirectUris = [options["--web-redirect-uris"]]; }
      return undefined;
    }
    case "ad sp show": {
      const sp = servicePrincipal(state, options["--id"]);
      if (!sp) throw new ToolError(`ERROR: Service principal '${options["--id"]}' doesn't exist`);
      return sp;
    }
    case "ad sp create": {
      authorize(state, true);
      const app = application(state, options["--id"]);
      if (t().servicePrincipals[app.appId]) throw new ToolError("ERROR: Another object with the same value for property servicePrincipalNames already exists.");
      const sp = { id: guid(`sp-${app.appId}`), appId: app.appId, displayName: app.displayName };
      t().servicePrincipals[app.appId] = sp;
      return sp;
    }
    case "ad app federated-credential list":
      return application(state, options["--id"]).federatedIdentityCredentials ?? [];
    case "ad app federated-credential create":
    case "ad app federated-credential update": {
      const app = application(state, options["--id"], { write: true });
      const credential = jsonArgument(options["--parameters"], "--parameters");
      const list = (app.federatedIdentityCredentials ??= []);
      const name = options["--federated-credential-id"] ?? credential.name;
      const existing = list.findIndex(c => c.name === name || c.id === name);
      // Entra's rules for federated credentials: an https issuer, one audience, a subject, a unique name, at most 20.
      if (!/^https:\/\//.test(credential.issuer ?? "") || (credential.audiences ?? []).length !== 1 || !credential.subject) {
        throw badRequest("Invalid federated identity credential: issuer must be an https URL, with exactly one audience and a subject.");
      }
      if (command.endsWith("create") && existing >= 0) throw badRequest(`FederatedIdentityCredential with name ${name} already exists.`);
      if (command.endsWith("update") && existing < 0) throw new ToolError(`ERROR: Federated identity credential '${name}' not found.`);
      if (command.endsWith("create") && list.length >= 20) throw badRequest("An application can have at most 20 federated identity credentials.");
      const stored = { id: guid(`fic-${app.appId}-${name}`), ...credential, name };
      if (existing >= 0) list[existing] = stored; else list.push(stored);
      return stored;
    }
    case "ad app permission admin-consent": {
      // G9
      authorize(state, true);
      if (!state.account.principal.admin) throw denied();
      const app = application(state, options["--id"]);
      const sp = t().servicePrincipals[app.appId];
      if (!sp) throw new ToolError(`ERROR: Service principal for '${app.appId}' doesn't exist`);
      for (const resource of app.requiredResourceAccess) {
        const scope = resource.resourceAccess.map(r => GRAPH_SCOPES[r.id]).join(" ");
        t().grants.push({ id: guid(`grant-${sp.id}-${resource.resourceAppId}`), clientId: sp.id, consentType: "AllPrincipals",
          resourceId: servicePrincipal(state, resource.resourceAppId).id, scope });
      }
      return undefined;
    }
    default:
      throw new Unmodelled("az", args);
  }
}

/** `az rest` against https://graph.microsoft.com/v1.0/... */
export function rest(state, method, url, body, args) {
  azToken(state, RESOURCES.graph);
  const path = decodeURIComponent(url.pathname.replace(/^\/v1\.0\//, "")) + decodeURIComponent(url.search);
  let m;
  if (method === "PATCH" && (m = /^applications\(appId='([^']+)'\)$/.exec(path))) {
    const app = application(state, m[1], { write: true });
    patchApplication(state, app, body ?? {});
    return undefined;
  }
  if (method === "GET" && (m = /^applications\(appId='([^']+)'\)$/.exec(path))) return application(state, m[1]);
  if (method === "PATCH" && (m = /^servicePrincipals\(appId='([^']+)'\)$/.exec(path))) {
    authorize(state, true);
    const sp = servicePrincipal(state, m[1]);
    if (!sp) throw new ToolError(`ERROR: Not Found({"error":{"code":"Request_ResourceNotFound","message":"Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present."}})`);
    // G13
    for (const key of Object.keys(body ?? {})) if (!SERVICE_PRINCIPAL_PROPERTIES.has(key)) throw badRequest("Unexpected contents in request body.");
    if (body?.appRoleAssignmentRequired !== undefined && typeof body.appRoleAssignmentRequired !== "boolean") {
      throw badRequest("Invalid value specified for property 'appRoleAssignmentRequired' of resource 'ServicePrincipal'.");
    }
    Object.assign(sp, body);
    return undefined;
  }
  if (method === "GET" && (m = /^servicePrincipals\(appId='([^']+)'\)(\?.*)?$/.exec(path))) {
    const sp = servicePrincipal(state, m[1]);
    if (!sp) throw new ToolError(`ERROR: Not Found({"error":{"code":"Request_ResourceNotFound","message":"Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present."}})`);
    return sp;
  }
  if (method === "GET" && (m = /^oauth2PermissionGrants\?\$filter=clientId eq '([^']+)'( and consentType eq '([^']+)')?$/.exec(path))) {
    authorize(state, false);
    return { value: tenant(state).grants.filter(g => g.clientId === m[1] && (!m[3] || g.consentType === m[3])) };
  }
  if (method === "GET" && path === "policies/authorizationPolicy") {
    authorize(state, false);
    return tenant(state).authorizationPolicy;
  }
  throw new Unmodelled("az", args);
}
