// The Docker CLI: `docker info` answers only when an engine runs (the CLI alone, as on this machine, fails with
// "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?", seen here);
// pushes go to a registry only after `az acr login`, else ACR answers "unauthorized: authentication required, visit
// https://aka.ms/acr/authorization for more information." (ACR docs, troubleshoot login).
import { ToolError, Unmodelled } from "./cli.mjs";

export function docker(state, parsed, args) {
  const { words, options } = parsed;
  const engine = () => {
    if (!state.docker.engine) throw new ToolError("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
  };
  switch (words[0]) {
    case "info":
      engine();
      return "Server Version: 28.2.2\n";
    case "login":
      engine();
      return "Login Succeeded\n";
    case "pull":
    case "tag":
    case "build":
      engine();
      state.docker.images.push(words[0] === "build" ? options["--tag"] ?? options["-t"] : words[words.length - 1]);
      return "";
    case "push": {
      engine();
      const image = words[1];
      const registryName = image.split(".")[0];
      if (!(state.docker.loggedIn ?? []).includes(registryName)) throw new ToolError(`unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.`);
      for (const group of Object.values(state.subscriptions[state.account.selected]?.resourceGroups ?? {})) {
        const registry = group.registries?.[registryName];
        if (registry) {
          const path = image.slice(image.indexOf("/") + 1);
          const at = path.lastIndexOf(":");
          const tags = ((registry.tags ??= {})[path.slice(0, at)] ??= []);
          if (!tags.includes(path.slice(at + 1))) tags.push(path.slice(at + 1));
        }
      }
      return "";
    }
    default:
      throw new Unmodelled("docker", args);
  }
}
