// Offline validators for the deployment, run by Tests/Deployment/InfraValidationTests.cs.
//   node validate.mjs k8s <file.yaml>...        Kubernetes (kubernetes-models), KEDA (@kubernetes-models/keda) and Gateway API
//                                               (@kubernetes-models/gateway-api, generated from the Gateway API CRDs) schemas,
//                                               and the CRDs no package models (crds/: the Secrets Store CSI driver's)
//   node validate.mjs azd <schema.json> <azure.yaml>   azd's azure.yaml schema (JSON Schema 2019-09, ajv)
//   node validate.mjs promql <rules.json>       each rule's expression parsed by Prometheus's own PromQL grammar
//                                               (@prometheus-io/lezer-promql); rules.json: [{ alert, expression }];
//                                               reports the metric names each one reads
// Prints one JSON object per document or file: { file, kind, name, ok, errors }.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { parser as promql } from "@prometheus-io/lezer-promql";

const [mode, ...args] = process.argv.slice(2);
let failures = 0;

function report(result) {
  if (!result.ok) failures++;
  console.log(JSON.stringify(result));
}

// CRDs with no models package: their structural schema as JSON Schema, checked with ajv (a Model's shape).
const crdSchemas = { "secrets-store.csi.x-k8s.io/v1/SecretProviderClass": "secretproviderclass-v1.schema.json" };

function schemaModel(file) {
  const validate = new Ajv2019({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(new URL(`./crds/${file}`, import.meta.url), "utf8")));
  return class {
    constructor(object) { this.object = object; }
    validate() {
      if (!validate(this.object)) throw new Error(validate.errors.map(e => `${e.instancePath || "/"} ${e.message}`).join("; "));
    }
  };
}

async function modelFor(apiVersion, kind) {
  if (crdSchemas[`${apiVersion}/${kind}`]) return schemaModel(crdSchemas[`${apiVersion}/${kind}`]);
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "keda.sh"
    ? `@kubernetes-models/keda/keda.sh/${version}`
    : group === "gateway.networking.k8s.io"
      ? `@kubernetes-models/gateway-api/gateway.networking.k8s.io/${version}/${kind}`
      : group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

if (mode === "k8s") {
  for (const file of args) {
    for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
      if (document.errors.length > 0) {
        report({ file, ok: false, errors: document.errors.map(e => e.message) });
        continue;
      }
      const object = document.toJS();
      if (!object) continue;
      const Model = await modelFor(object.apiVersion, object.kind);
      const name = object.metadata?.name;
      if (!Model) {
        report({ file, kind: object.kind, name, ok: false, errors: [`no schema for ${object.apiVersion} ${object.kind}`] });
        continue;
      }
      try {
        new Model(object).validate();
        report({ file, kind: object.kind, name, ok: true, errors: [] });
      } catch (error) {
        report({ file, kind: object.kind, name, ok: false, errors: [String(error.message ?? error)] });
      }
    }
  }
} else if (mode === "promql") {
  for (const { alert, expression } of JSON.parse(readFileSync(args[0], "utf8"))) {
    const errors = [];
    const metrics = [];
    promql.parse(expression).iterate({
      enter: node => {
        if (node.type.isError) errors.push(`syntax error at ${node.from}: ${JSON.stringify(expression.slice(Math.max(0, node.from - 20), node.from + 20))}`);
        if (node.type.name === "Identifier" && node.node.parent?.type.name === "VectorSelector") metrics.push(expression.slice(node.from, node.to));
      },
    });
    report({ file: args[0], kind: "PrometheusRule", name: alert, ok: errors.length === 0, errors, metrics });
  }
} else if (mode === "azd") {
  const [schemaFile, yamlFile] = args;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  // The schema refers to extension schemas online (azd's AI agents); offline they are stubbed to accept anything,
  // which only affects services of those extension hosts, not ours.
  const stubbed = [];
  let validate;
  for (;;) {
    try {
      validate = ajv.compile(schema);
      break;
    } catch (error) {
      if (!error.missingSchema || stubbed.includes(error.missingSchema)) throw error;
      stubbed.push(error.missingSchema);
      ajv.addSchema({ $id: error.missingSchema }, error.missingSchema);
    }
  }
  const documents = parseAllDocuments(readFileSync(yamlFile, "utf8"));
  const ok = validate(documents[0].toJS());
  report({ file: yamlFile, kind: "azure.yaml", ok, stubbed, errors: (validate.errors ?? []).map(e => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`) });
} else {
  console.error("usage: node validate.mjs k8s <files...> | azd <schema> <azure.yaml>");
  process.exit(2);
}

process.exit(failures > 0 ? 1 : 0);
