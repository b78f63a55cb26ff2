// A recording fake of the command-line tools the azd hooks call: az, azd, kubectl, kubelogin. The hooks run for real
// (sh and pwsh) with shims on PATH that start this file; it answers as the real tools answer (stdout shape, exit
// codes, "@file" arguments), keeps their state between calls (app registrations, credentials, registry tags), and
// logs every call with the content of every file it was handed. Unknown commands fail, so the hooks cannot call
// anything the tests have not modelled.
//   FAKE_LOG: JSON lines, one per call   FAKE_STATE: the fake Azure's state   FAKE_AZD_ENV: the azd environment (.env)
import { readFileSync, writeFileSync, existsSync, statSync, readdirSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";

const [tool, ...args] = process.argv.slice(2);
const state = existsSync(process.env.FAKE_STATE) ? JSON.parse(readFileSync(process.env.FAKE_STATE, "utf8")) : {};
state.apps ??= {}; state.credentials ??= {}; state.tags ??= {}; state.certificates ??= {};
const files = {};

function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
function capture(path) {
  if (!existsSync(path)) return `<missing ${path}>`;
  if (statSync(path).isDirectory()) {
    return readdirSync(path).filter(f => /\.ya?ml$/.test(f)).sort().map(f => readFileSync(join(path, f), "utf8")).join("\n---\n");
  }
  return readFileSync(path, "utf8");
}
for (const [i, arg] of args.entries()) {
  if (arg.startsWith("@")) files[i] = capture(arg.slice(1));
  if (arg === "-f" && args[i + 1] !== "-") files[i + 1] = capture(args[i + 1]);
}
function guid(seed) {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
function readEnv() {
  const env = {};
  if (!existsSync(process.env.FAKE_AZD_ENV)) return env;
  for (const line of readFileSync(process.env.FAKE_AZD_ENV, "utf8").split("\n")) {
    const m = /^([^=]+)="(.*)"$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/\\"/g, '"');
  }
  return env;
}
function writeEnv(env) {
  writeFileSync(process.env.FAKE_AZD_ENV, Object.entries(env).map(([k, v]) => `${k}="${String(v).replace(/"/g, '\\"')}"`).join("\n") + "\n");
}
function fileArg(name) {
  const value = option(name);
  return value?.startsWith("@") ? JSON.parse(capture(value.slice(1))) : (value ? JSON.parse(value) : undefined);
}

let out = "", err = "", code = 0;
const command = [tool, ...args.filter(a => !a.startsWith("-")).slice(0, 4)].join(" ");
const is = prefix => command.startsWith(prefix);

if (is("azd env get-values")) {
  out = Object.entries(readEnv()).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n";
} else if (is("azd env set")) {
  const env = readEnv();
  env[args[2]] = args[3];
  writeEnv(env);
} else if (is("az ad app create")) {
  const appId = guid(option("--display-name"));
  state.apps[appId] = { displayName: option("--display-name"), redirectUris: option("--web-redirect-uris") ?? null };
  out = appId + "\n";
} else if (is("az ad app update")) {
  state.apps[option("--id")].identifierUris = option("--identifier-uris");
} else if (is("az ad sp create")) {
  out = JSON.stringify({ appId: option("--id") }) + "\n";
} else if (is("az ad app show")) {
  const app = state.apps[option("--id")];
  if (!app) { err = "Resource does not exist"; code = 3; }
  else out = (app.api?.oauth2PermissionScopes?.find(s => s.value === "chat")?.id ?? "") + "\n";
} else if (is("az rest")) {
  const m = /applications\(appId='([^']+)'\)/.exec(option("--uri") ?? "");
  if (!m || !state.apps[m[1]] || option("--method") !== "PATCH") { err = "Bad request"; code = 1; }
  else Object.assign(state.apps[m[1]], fileArg("--body"));
} else if (is("az ad app federated-credential list")) {
  const name = /name=='([^']+)'/.exec(option("--query") ?? "")?.[1];
  out = (state.credentials[`${option("--id")}/${name}`]?.issuer ?? "") + "\n";
} else if (is("az ad app federated-credential create") || is("az ad app federated-credential update")) {
  const credential = fileArg("--parameters");
  const name = option("--federated-credential-id") ?? credential.name;
  state.credentials[`${option("--id")}/${name}`] = credential;
  out = JSON.stringify(credential) + "\n";
} else if (is("az keyvault certificate get-default-policy")) {
  out = JSON.stringify({ issuerParameters: { name: "Self" }, x509CertificateProperties: { subject: "CN=CLIGetDefaultPolicy", validityInMonths: 12 }, keyProperties: { keyType: "RSA", keySize: 2048 } }, null, 2) + "\n";
} else if (is("az keyvault certificate create")) {
  state.certificates[`${option("--vault-name")}/${option("--name")}`] = fileArg("--policy");
} else if (is("az acr repository show-tags")) {
  const tags = state.tags[option("--repository")];
  if (!tags) { err = `(RepositoryNotFound) repository ${option("--repository")} is not found.`; code = 1; }
  else out = tags.join("\n") + "\n";
} else if (is("az acr import") || is("az acr build")) {
  const image = option("--image");
  const [repository, tag] = [image.slice(0, image.lastIndexOf(":")), image.slice(image.lastIndexOf(":") + 1)];
  (state.tags[repository] ??= []).push(tag);
} else if (is("az aks get-credentials") || is("kubelogin convert-kubeconfig")) {
  // The kubeconfig is not modelled: kubectl below is a fake too.
} else if (is("kubectl apply") || is("kubectl annotate") || is("kubectl rollout")) {
  // Recorded; what was applied is in the log.
} else {
  err = `fake ${tool}: no model of '${args.join(" ")}'`;
  code = 2;
}

writeFileSync(process.env.FAKE_STATE, JSON.stringify(state, null, 2));
appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool, args, files, exitCode: code }) + "\n");
process.stdout.write(out);
if (err) process.stderr.write(err + "\n");
process.exit(code);
