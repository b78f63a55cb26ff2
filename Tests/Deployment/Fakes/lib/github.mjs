// The GitHub CLI, for the calls the one-time bootstrap and the delivery workflow make, against the fake's record of
// the repository (state.github: its environments, variables and workflow runs, and the tokens the workflow runner
// minted for its jobs, with their permissions).
//   GH1 In a workflow, gh authenticates with GH_TOKEN only; without it: "gh: To use GitHub CLI in a GitHub Actions
//       workflow, set the GH_TOKEN environment variable. Example: ..." and exit code 4 (cli/cli, the message its
//       users meet in every run without it; exitAuth = 4). A person's gh is signed in (`gh auth login`).
//   GH2 A job's GITHUB_TOKEN has only the permissions the job (or the workflow) grants; with a `permissions:` block,
//       every scope it leaves out is none. Reading workflow runs needs `actions: read`; without it GitHub answers 403
//       "Resource not accessible by integration" (GitHub docs, "Automatic token authentication", permissions for
//       the GITHUB_TOKEN; REST "List workflow runs for a workflow"), which gh prints as "gh: <message> (HTTP 403)".
//   GH3 GET /repos/{owner}/{repo}/actions/workflows/{file}/runs filters by head_sha, event, status and branch and
//       answers { total_count, workflow_runs } (GitHub REST docs, "List workflow runs for a workflow"); `--jq`
//       applies a jq expression to the answer (gh api --help).
import { spawnSync } from "node:child_process";
import { ToolError, Unmodelled } from "./cli.mjs";

function github(state) {
  state.github ??= {};
  state.github.environments ??= {};
  state.github.variables ??= { repository: {}, environments: {} };
  state.github.runs ??= [];
  state.github.tokens ??= {};
  return state.github;
}

// GH1, GH2: the permissions of the token gh uses; a person's gh may do anything the bootstrap does.
function token(state, env) {
  if (env.GITHUB_ACTIONS === "true") {
    if (!env.GH_TOKEN) {
      throw new ToolError("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}", 4);
    }
    const minted = github(state).tokens[env.GH_TOKEN];
    if (!minted) throw new ToolError("gh: Bad credentials (HTTP 401)", 1);
    return minted.permissions ?? {};
  }
  return { actions: "write", administration: "write", variables: "write" };
}

function jq(value, expression) {
  if (!expression) return JSON.stringify(value, null, 2) + "\n";
  const run = spawnSync("jq", ["-r", expression], { input: JSON.stringify(value), encoding: "utf8" });
  if (run.status !== 0) throw new ToolError(`gh: ${run.stderr.trim()}`);
  return run.stdout;
}

export function gh(state, parsed, args, env = process.env) {
  const { words, options } = parsed;
  const g = github(state);
  const permissions = token(state, env);
  if (words[0] === "api") {
    const method = String(options["--method"] ?? options["-X"] ?? "GET").toUpperCase();
    const path = words[1].replace(/^\//, "");
    let m;
    if (method === "PUT" && (m = /^repos\/([^/]+\/[^/]+)\/environments\/([^/?]+)$/.exec(path))) {
      g.environments[m[2]] ??= { name: m[2] };
      return jq(g.environments[m[2]], options["--jq"]);
    }
    if (method === "GET" && (m = /^repos\/([^/]+\/[^/]+)\/actions\/workflows\/([^/?]+)\/runs(\?.*)?$/.exec(path))) {
      // GH2
      if (!["read", "write"].includes(permissions.actions)) throw new ToolError("gh: Resource not accessible by integration (HTTP 403)");
      // GH3
      const query = new URLSearchParams(m[3] ?? "");
      const runs = g.runs.filter(r => r.workflow === m[2]
        && (!query.get("head_sha") || r.head_sha === query.get("head_sha"))
        && (!query.get("event") || r.event === query.get("event"))
        && (!query.get("branch") || r.head_branch === query.get("branch"))
        && (!query.get("status") || r.conclusion === query.get("status")));
      return jq({ total_count: runs.length, workflow_runs: runs }, options["--jq"]);
    }
    throw new Unmodelled("gh", args);
  }
  if (words[0] === "variable" && words[1] === "set") {
    const name = words[2];
    const value = options["--body"] ?? options["-b"];
    if (!name || value === undefined) throw new ToolError("gh: value for variable is required", 1);
    if (options["--env"] ?? options["-e"]) {
      const environment = options["--env"] ?? options["-e"];
      if (!g.environments[environment]) throw new ToolError(`gh: failed to set variable "${name}": HTTP 404: Not Found`);
      (g.variables.environments[environment] ??= {})[name] = value;
    } else {
      g.variables.repository[name] = value;
    }
    return `✓ Updated variable ${name}\n`;
  }
  throw new Unmodelled("gh", args);
}
