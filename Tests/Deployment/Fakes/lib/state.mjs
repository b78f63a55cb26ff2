// The fake cloud's state, kept in one JSON file between calls (FAKE_STATE). The test harness writes the initial
// world (Tests/Deployment/Simulation/FakeWorld.cs): tenants, subscriptions and what they hold, which subscription az
// selected last, the principal signed in, VM sizes per region, Docker Hub's patience. Provisioning (the harness's
// stand-in for Bicep) adds the resources; the tools' calls read and change the rest.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { ToolError } from "./cli.mjs";

export function load(path) {
  const state = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  state.tenants ??= {};
  state.subscriptions ??= {};
  state.account ??= { selected: null, principal: { objectId: "00000000-0000-0000-0000-000000000001", type: "User", graph: "full" } };
  state.skus ??= {};
  state.docker ??= { engine: false, images: [] };
  state.dockerHub ??= { anonymousPulls: 100 };
  state.kubeconfig ??= null;
  state.cluster ??= { objects: {}, deployments: {}, rollouts: [] };
  state.counter ??= 0;
  return state;
}

export function save(path, state) {
  writeFileSync(path, JSON.stringify(state, null, 2));
}

/** A deterministic GUID per seed, so two runs of the same scenario compare equal. */
export function guid(seed) {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The subscription az acts on: the one it selected last (azure-cli issue 17989: AZURE_SUBSCRIPTION_ID is ignored). */
export function selectedSubscription(state) {
  const id = state.account.selected;
  const subscription = id ? state.subscriptions[id] : undefined;
  if (!subscription) throw new ToolError("ERROR: Please run 'az login' to setup account.");
  return { id, ...subscription, ref: subscription };
}

/** The tenant az's Graph calls go to: the selected subscription's. */
export function tenant(state) {
  const { tenantId } = selectedSubscription(state);
  const t = (state.tenants[tenantId] ??= {});
  t.apps ??= {};
  t.servicePrincipals ??= {};
  t.grants ??= [];
  t.pending ??= {};
  t.authorizationPolicy ??= { defaultUserRolePermissions: { permissionGrantPoliciesAssigned: ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"] } };
  return t;
}

/** A resource group of the selected subscription; ARM answers ResourceGroupNotFound for one that is not there. */
export function resourceGroup(state, name) {
  const subscription = selectedSubscription(state);
  const group = subscription.ref.resourceGroups?.[name];
  if (!group) throw new ToolError(`ERROR: (ResourceGroupNotFound) Resource group '${name}' could not be found.\nCode: ResourceGroupNotFound`);
  return group;
}

/** Finds a named resource of a kind (vaults, registries, clusters) anywhere in the selected subscription. */
export function findResource(state, kind, name) {
  const subscription = selectedSubscription(state);
  for (const [groupName, group] of Object.entries(subscription.ref.resourceGroups ?? {})) {
    if (group[kind]?.[name]) return { groupName, resource: group[kind][name], subscription };
  }
  return undefined;
}
