// Checks the deploy files without a container engine or a cluster (run by .ci/run: `node deploy/check.mjs`):
// - every Kubernetes manifest against the API schemas (kubernetes-models), and that its parts fit together
//   (selectors, named ports, probe ports, secret keys, kustomization resources);
// - the Dockerfiles with dockerfile-utils' validator, and every path they copy or publish exists;
// - the compose file with `docker-compose config` (Debian's docker-compose), its variables from .env.example;
// - every setting passed as an environment variable (Section__Key) is one docs/configuration.md documents.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { validate as validateDockerfile } from "dockerfile-utils";
import { parseAllDocuments } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const problems = [];
const problem = (file, message) => problems.push(`${path.relative(root, file)}: ${message}`);

const documentedSettings = new Set(
  [...readFileSync(path.join(root, "docs/configuration.md"), "utf8").matchAll(/`([A-Za-z]+(?:__[A-Za-z0-9]+)+)`/g)]
    .map((match) => normalizeSetting(match[1])),
);

function normalizeSetting(name) {
  // Indexes (0, 1, N, M) and dictionary keys (KEY) stand for any value.
  return name.split("__").map((part) => (/^(\d+|N|M|KEY)$/.test(part) ? "#" : part)).join("__");
}

function checkSetting(file, name) {
  if (name.includes("__") && !name.startsWith("ASPNETCORE_") && !documentedSettings.has(normalizeSetting(name))) {
    problem(file, `${name} is not a setting docs/configuration.md documents`);
  }
}

function readYaml(file) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"), { merge: true });
  for (const document of documents) {
    for (const error of document.errors) {
      problem(file, `YAML: ${error.message}`);
    }
  }
  return documents.map((document) => document.toJS({ maxAliasCount: 100 })).filter((value) => value);
}

async function loadModel(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

const selects = (selector, labels) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value) && Object.keys(selector ?? {}).length > 0;

async function checkKubernetes() {
  const folder = path.join(root, "deploy/kubernetes");
  const resources = [];
  for (const name of readdirSync(folder).filter((file) => file.endsWith(".yaml")).sort()) {
    const file = path.join(folder, name);
    for (const resource of readYaml(file)) {
      resources.push({ file, resource });
    }
  }

  const secretKeys = new Map();
  for (const { file, resource } of resources) {
    const { apiVersion, kind } = resource;
    if (kind === "Kustomization") {
      for (const entry of resource.resources ?? []) {
        if (!existsSync(path.join(folder, entry))) {
          problem(file, `resource ${entry} does not exist`);
        }
      }
      continue;
    }

    const Model = await loadModel(apiVersion, kind);
    if (!Model) {
      problem(file, `unknown kind ${apiVersion} ${kind}`);
      continue;
    }
    try {
      new Model(resource).validate();
    } catch (error) {
      problem(file, `${kind} ${resource.metadata?.name}: ${error.message}`);
    }
    if (kind === "Secret") {
      secretKeys.set(resource.metadata.name, new Set(Object.keys({ ...resource.data, ...resource.stringData })));
    }
  }

  const workloads = resources.filter(({ resource }) => resource.kind === "Deployment");
  for (const { file, resource } of workloads) {
    const template = resource.spec.template;
    if (!selects(resource.spec.selector?.matchLabels, template.metadata?.labels)) {
      problem(file, `Deployment ${resource.metadata.name}: its selector does not select its own pods`);
    }
    for (const container of template.spec.containers) {
      const ports = container.ports ?? [];
      for (const probeName of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = container[probeName];
        const port = probe?.grpc?.port ?? probe?.httpGet?.port;
        if (probe && !ports.some((p) => p.containerPort === port || p.name === port)) {
          problem(file, `container ${container.name}: ${probeName} port ${port} is not one of its ports`);
        }
      }
      for (const variable of container.env ?? []) {
        checkSetting(file, variable.name);
        const reference = variable.valueFrom?.secretKeyRef;
        if (reference && !secretKeys.get(reference.name)?.has(reference.key)) {
          problem(file, `container ${container.name}: secret ${reference.name} has no key ${reference.key} (secret.example.yaml)`);
        }
      }
    }
  }

  for (const { file, resource } of resources.filter(({ resource }) => ["Service", "PodDisruptionBudget"].includes(resource.kind))) {
    const selector = resource.kind === "Service" ? resource.spec.selector : resource.spec.selector?.matchLabels;
    const targets = workloads.filter(({ resource: workload }) => selects(selector, workload.spec.template.metadata.labels));
    if (targets.length === 0) {
      problem(file, `${resource.kind} ${resource.metadata.name} selects no pods`);
    }
    for (const port of resource.kind === "Service" ? resource.spec.ports : []) {
      const named = targets.some(({ resource: workload }) =>
        workload.spec.template.spec.containers.some((c) => (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort)));
      if (!named) {
        problem(file, `Service ${resource.metadata.name}: targetPort ${port.targetPort} is no container port`);
      }
    }
  }
  return resources.length;
}

function checkDockerfiles() {
  const folder = path.join(root, "deploy/docker");
  const files = readdirSync(folder).filter((file) => file.endsWith(".Dockerfile"));
  for (const name of files) {
    const file = path.join(folder, name);
    const text = readFileSync(file, "utf8");
    for (const diagnostic of validateDockerfile(text)) {
      problem(file, `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
    }
    // The build context is the repository root: what is copied from it and published must exist.
    for (const match of text.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      if (match[1] !== "." && !existsSync(path.join(root, match[1]))) {
        problem(file, `COPY ${match[1]}: no such path in the repository`);
      }
    }
    const loopValues = text.match(/for name in ([^;]+);/)?.[1].trim().split(/\s+/) ?? [""];
    for (const match of text.matchAll(/([\w./$"-]+\.csproj)/g)) {
      for (const value of loopValues) {
        const project = match[1].replaceAll('"', "").replaceAll("$name", value);
        if (!existsSync(path.join(root, project))) {
          problem(file, `${project}: no such project`);
        }
      }
    }
  }
  const entrypoint = path.join(folder, "executor-entrypoint.sh");
  for (const match of readFileSync(entrypoint, "utf8").matchAll(/\/app\/\w+\/(GrpcWorkflows\.Plugins\.\w+)\.dll/g)) {
    if (!existsSync(path.join(root, "plugins", match[1], `${match[1]}.csproj`))) {
      problem(entrypoint, `${match[1]}.dll is built by no project in plugins/`);
    }
  }
  return files.length;
}

function checkCompose() {
  const folder = path.join(root, "deploy/compose");
  const file = path.join(folder, "compose.yaml");
  try {
    execFileSync("docker-compose", ["--env-file", ".env.example", "-f", "compose.yaml", "config", "--quiet"], { cwd: folder, stdio: "pipe" });
  } catch (error) {
    problem(file, error.code === "ENOENT"
      ? "docker-compose is not installed (apt-get install docker-compose)"
      : `docker-compose config: ${error.stderr?.toString().trim()}`);
  }
  const [compose] = readYaml(file);
  for (const [name, service] of Object.entries(compose.services)) {
    for (const variable of Object.keys(service.environment ?? {})) {
      checkSetting(file, variable);
    }
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      if (!compose.services[dependency]) {
        problem(file, `${name} depends on ${dependency}, which is no service`);
      }
    }
  }
  return Object.keys(compose.services).length;
}

const resourceCount = await checkKubernetes();
const dockerfileCount = checkDockerfiles();
const serviceCount = checkCompose();
if (problems.length > 0) {
  console.error(problems.map((p) => `  - ${p}`).join("\n"));
  console.error(`deploy/: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`deploy/: ${resourceCount} Kubernetes documents, ${dockerfileCount} Dockerfiles and ${serviceCount} compose services check out`);
