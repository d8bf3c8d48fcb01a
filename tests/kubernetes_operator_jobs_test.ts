/**
 * The operator commands under Kubernetes (docs/operations/DEPLOYMENT.md, Running the operator
 * commands in Kubernetes): deploy/kubernetes/migrate-job.yaml and restore-prepare-job.yaml run the
 * same image, user, read-only root and environment as deployment.yaml, a task deno.json has and the
 * image caches (Dockerfile `deno install --entrypoint`), with the owner's DATABASE_URL from a
 * Secret of their own that the app's pods never get; and the command line they give, run here with
 * the environment the manifests and the image give it, migrates (and prepares) a database.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./helpers/env.ts";
import { freshCliDatabase } from "./helpers/user_cli.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));
// deno-lint-ignore no-explicit-any
type Any = any;

const JOBS = {
  "deploy/kubernetes/migrate-job.yaml": { task: "migrate", secret: "governance-migrate" },
  "deploy/kubernetes/restore-prepare-job.yaml": {
    task: "restore-prepare",
    secret: "governance-restore",
  },
} as const;

async function manifest(path: string): Promise<Any> {
  const docs = parseAllDocuments(await read(path));
  assert.equal(docs.length, 1, path);
  return docs[0]!.toJS();
}

/** The variables lib/config.ts reads (the names of its env schema). */
async function configVariables(): Promise<Set<string>> {
  const source = await read("lib/config.ts");
  const start = source.indexOf("const envSchema = z.object({");
  const end = source.indexOf("\n});", start);
  return new Set(
    [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]!),
  );
}

/** NAME=value pairs of the final stage's ENV (values with `${…}` left out). */
async function imageEnv(): Promise<Record<string, string>> {
  const lines = (await read("Dockerfile")).replace(/\\\r?\n/g, " ").split("\n");
  const last = lines.findLastIndex((line) => /^FROM\s/.test(line));
  const env: Record<string, string> = {};
  for (const line of lines.slice(last + 1).filter((line) => /^ENV\s/.test(line))) {
    for (const [, name, value] of line.matchAll(/([A-Z_][A-Z0-9_]*)=(\S*)/g)) {
      if (!value!.includes("${")) env[name!] = value!;
    }
  }
  return env;
}

Deno.test("the Job manifests run the deployment's image, user, root and environment, and a task the image caches", async () => {
  const deployment = await manifest("deploy/kubernetes/deployment.yaml");
  const app = deployment.spec.template.spec;
  const appContainer = app.containers[0];
  const service = await manifest("deploy/kubernetes/service.yaml");
  const tasks = JSON.parse(await read("deno.json")).tasks as Record<string, string>;
  const install = (await read("Dockerfile")).replace(/\\\r?\n/g, " ")
    .match(/deno install --frozen --entrypoint ([^&]*)/)?.[1]?.trim().split(/\s+/) ?? [];
  assert.ok(install.includes("main.ts"), install.join(" "));
  const variables = await configVariables();
  const kustomization = parse(await read("deploy/kubernetes/kustomization.yaml"));

  for (const [path, expected] of Object.entries(JOBS)) {
    const job = await manifest(path);
    assert.equal(job.kind, "Job", path);
    assert.equal(job.apiVersion, "batch/v1", path);
    const pod = job.spec.template.spec;
    assert.equal(pod.restartPolicy, "Never", path);
    assert.equal(pod.automountServiceAccountToken, false, path);
    assert.deepEqual(pod.securityContext, app.securityContext, `${path}: the app's user`);
    assert.equal(pod.containers.length, 1, path);
    const container = pod.containers[0];
    assert.equal(container.image, appContainer.image, `${path}: the deployment's image`);
    assert.deepEqual(container.securityContext, appContainer.securityContext, path);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true, path);
    assert.deepEqual(container.volumeMounts, appContainer.volumeMounts, `${path}: /tmp, /data`);
    assert.deepEqual(pod.volumes, app.volumes, path);

    // `deno task <task>` in the image's working directory: a task of deno.json whose script the
    // image's DENO_DIR holds (deno install --entrypoint), so nothing is fetched or written.
    assert.deepEqual(container.command, ["deno", "task", expected.task], path);
    assert.equal(container.workingDir, undefined, `${path}: the image's WORKDIR (/app)`);
    const script = tasks[expected.task]?.match(/\s(scripts\/\S+\.ts)$/)?.[1];
    assert.ok(script, `deno.json has the task ${expected.task}`);
    assert.ok(install.includes(script), `the Dockerfile caches ${script}`);

    // The app's ConfigMap and Secret, then only DATABASE_URL, the owner's, from a Secret of its own.
    assert.deepEqual(container.envFrom, appContainer.envFrom, `${path}: the app's env sources`);
    assert.deepEqual(container.env, [{
      name: "DATABASE_URL",
      valueFrom: { secretKeyRef: { name: expected.secret, key: "DATABASE_URL" } },
    }], path);
    for (const { name } of container.env) assert.ok(variables.has(name), `${name}: a variable`);
    assert.ok(
      !app.containers.some((c: Any) =>
        JSON.stringify(c.envFrom ?? []).includes(expected.secret) ||
        JSON.stringify(c.env ?? []).includes(expected.secret)
      ),
      `${path}: the app's pods never get ${expected.secret}`,
    );
    assert.ok(
      !(await read(path)).split("\n").some((l) =>
        !l.trim().startsWith("#") &&
        l.includes("EMBEDDED_DATABASE")
      ),
      path,
    );

    // Not one of the app's pods: the Service and the PodDisruptionBudget must not select it.
    const labels = job.spec.template.metadata.labels as Record<string, string>;
    for (const [key, value] of Object.entries(service.spec.selector as Record<string, string>)) {
      assert.notEqual(labels[key], value, `${path}: the Service would route traffic to it`);
    }
    assert.ok(
      !kustomization.resources.includes(path.split("/").pop()),
      `${path}: not applied by -k`,
    );
  }

  const example = await manifest("deploy/kubernetes/migrate-secret.example.yaml");
  assert.equal(example.metadata.name, JOBS["deploy/kubernetes/migrate-job.yaml"].secret);
  assert.ok(example.stringData.DATABASE_URL.includes("replace-with-"));
});

Deno.test("DEPLOYMENT.md shows each operator command under Kubernetes", async () => {
  const doc = await read("docs/operations/DEPLOYMENT.md");
  const start = doc.indexOf("\n## Running the operator commands in Kubernetes");
  assert.ok(start >= 0, "section missing");
  const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
  for (const path of Object.keys(JOBS)) assert.ok(section.includes(path), path);
  for (const { secret } of Object.values(JOBS)) {
    assert.ok(section.includes(`generic ${secret}`), `how to create ${secret}`);
  }
  assert.match(
    section,
    /kubectl -n researchflow exec -?i? ?deploy\/governance -- deno task user list/,
  );
  assert.match(
    section,
    /exec -i deploy\/governance -- deno task user reset-password \S+ --password-stdin/,
  );
  assert.match(section, /SECURITY\.md/);
  assert.match(section, /BACKUPS_AND_RESTORE\.md/);
  for (const status of ["0", "1", "3"]) assert.match(section, new RegExp(`\\b${status}\\b`));
});

/** The environment a Job's container gets, with the example secrets and placeholders filled in. */
async function podEnvironment(dataDir: string): Promise<Record<string, string>> {
  const configMap = (await manifest("deploy/kubernetes/configmap.yaml")).data as Record<
    string,
    string
  >;
  const secret = (await manifest("deploy/kubernetes/secret.example.yaml")).stringData as Record<
    string,
    string
  >;
  const env: Record<string, string> = {
    ...(await imageEnv()),
    DATA_DIR: dataDir,
    ...configMap,
    ...secret,
    // What an operator puts in place of the examples (site-specific values, real secrets).
    PUBLIC_URL: "https://governance.hospital.example",
    TRUSTED_PROXY_IPS: "10.244.0.0/16",
    ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
    ADMIN_PASSWORD: "9vW!r2kQ#pL7mZ4xT1bN",
    METRICS_TOKEN: "5f0c3e9a1b7d2c8e4f6a0b3c9d1e7f2a8b4c6d0e",
    NO_COLOR: "1",
  };
  delete env.REDIS_URL;
  if (TEST_REDIS_URL) env.REDIS_URL = TEST_REDIS_URL;
  env.EVENT_STREAM_KEY = `rf-k8s-jobs-${crypto.randomUUID()}`;
  assert.equal(env.APP_ENV, "production", "the image's APP_ENV");
  return env;
}

/** Runs a Job's container command (`deno task …`) in the repository, as the image's /app. */
async function runJobCommand(path: string, env: Record<string, string>) {
  const container = (await manifest(path)).spec.template.spec.containers[0];
  const [program, ...args] = [...container.command, ...(container.args ?? [])] as string[];
  assert.equal(program, "deno");
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL(".", ROOT),
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, out: text(result.stdout) + text(result.stderr) };
}

Deno.test({
  name: "the Jobs' command lines, with the manifests' environment, migrate and prepare a database",
  ignore: !TEST_DATABASE_URL,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir();
    const database = await freshCliDatabase();
    try {
      const env = await podEnvironment(dataDir);

      // The example owner's URL as shipped stops the Job: it cannot become the live password.
      const example = (await manifest("deploy/kubernetes/migrate-secret.example.yaml"))
        .stringData.DATABASE_URL;
      let run = await runJobCommand("deploy/kubernetes/migrate-job.yaml", {
        ...env,
        DATABASE_URL: example,
      });
      assert.equal(run.code, 1, run.out);
      assert.match(run.out, /DATABASE_URL is still the example placeholder/);

      run = await runJobCommand("deploy/kubernetes/migrate-job.yaml", {
        ...env,
        DATABASE_URL: database.url,
      });
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /"msg":"migrations done"/, "JSON logs, as the image writes them");
      run = await runJobCommand("deploy/kubernetes/migrate-job.yaml", {
        ...env,
        DATABASE_URL: database.url,
      });
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /"applied":\[\]/, "a second run applies nothing");

      run = await runJobCommand("deploy/kubernetes/restore-prepare-job.yaml", {
        ...env,
        DATABASE_URL: database.url,
      });
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /governance mode: STANDBY/);
    } finally {
      await database.drop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
