// @actions/workflow-parser imports its schema JSON without an import attribute, which Node 20 refuses ("needs an
// import attribute of type json"); Node 22 would too. This hook adds the attribute for .json modules only. Loaded with
// `node --import ./json-modules.mjs`.
import { register } from "node:module";

register("data:text/javascript," + encodeURIComponent(`
export async function load(url, context, next) {
  if (url.endsWith(".json")) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return next(url, context);
}`));
