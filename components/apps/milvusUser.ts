// A Milvus user of its own for a service in another namespace: a generated password in a Secret in the
// service's namespace, and a Job in Milvus' namespace (where the root Secret is) that creates the user,
// a role and its grants through Milvus' REST API, so the service never holds the root credentials.
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ContainerResources } from "../data/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { containerResources } from "./appService";

/** Keys of the client's credentials Secret: `token` is `username:password`, what Milvus' SDKs take. */
export const MILVUS_USER_SECRET_KEYS = { username: "username", password: "password", token: "token" } as const;

/** Key of the root password in the Milvus component's auth Secret. */
export const MILVUS_ROOT_PASSWORD_KEY = "password";

/**
 * The image that runs the setup script: Python's standard library speaks HTTP and JSON, nothing else is
 * installed. docker.io/library is an allowed registry.
 */
export const MILVUS_SETUP_IMAGE = "docker.io/library/python:3.13.5-slim";

/** UID the setup container runs as (the image runs as root unless told otherwise). */
export const MILVUS_SETUP_UID = 10001;

export const MILVUS_SETUP_RESOURCES: ContainerResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } };

/** The Job retries the script this often; the script itself waits up to 15 minutes for Milvus to answer. */
export const MILVUS_SETUP_JOB = { backoffLimit: 4, activeDeadlineSeconds: 3600, timeout: "30m" } as const;

/**
 * Grants of the role, on one database: privilege groups of Milvus 2.5+ (grant_privilege_v2). "*" as the
 * collection means every collection of the database.
 */
export interface MilvusGrant {
  privilege: string;
  collection: string;
}

/** What a RAG service needs: create and drop its collections, build indexes, load, insert, search. */
export const RAG_GRANTS: MilvusGrant[] = [
  { privilege: "DatabaseReadWrite", collection: "*" },
  { privilege: "CollectionAdmin", collection: "*" },
];

export interface MilvusUserArgs {
  /** Milvus' namespace: the setup Job runs there, next to the root Secret. */
  milvusNamespace: pulumi.Input<string>;
  /** http://<host>:19530 (the REST API shares the gRPC port). */
  endpoint: pulumi.Input<string>;
  /** Name of the Secret in milvusNamespace holding the root password (key MILVUS_ROOT_PASSWORD_KEY). */
  rootSecret: pulumi.Input<string>;
  /** The service's namespace: its credentials Secret goes there. */
  clientNamespace: pulumi.Input<string>;
  /** Milvus user name: letters, digits and '_', starting with a letter, at most 32 characters. */
  user: string;
  /** Database the grants apply to. Default "default". */
  database?: string;
  grants: MilvusGrant[];
}

const USER = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const PRIVILEGE = /^[A-Za-z]+$/;
const COLLECTION = /^(\*|[A-Za-z_][A-Za-z0-9_]{0,254})$/;

/** Every problem with the args, each naming the argument, the value and what is allowed (pure). */
export function milvusUserProblems(args: Pick<MilvusUserArgs, "user" | "database" | "grants">): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  if (!USER.test(args.user)) p.push(`user ${v(args.user)} is not a Milvus user name; allowed: a letter, then letters, digits or '_', at most 32 characters`);
  if (args.user === "root") p.push('user "root" is Milvus\' administrator; allowed: a user of the service\'s own');
  const db = args.database ?? "default";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(db)) p.push(`database ${v(db)} is not a Milvus database name; allowed: letters, digits and '_'`);
  if (args.grants.length === 0) p.push("grants is empty; allowed: at least one {privilege, collection}");
  for (const [i, g] of args.grants.entries()) {
    if (!PRIVILEGE.test(g.privilege)) p.push(`grants[${i}].privilege ${v(g.privilege)} is not a privilege name; allowed: a Milvus privilege or privilege group such as CollectionReadOnly`);
    if (!COLLECTION.test(g.collection)) p.push(`grants[${i}].collection ${v(g.collection)} is not a collection; allowed: a collection name or "*"`);
  }
  return p;
}

/**
 * The setup script (Python, standard library only). Idempotent: it waits for Milvus, creates the role
 * (an existing one is kept), grants (granting twice is a no-op), and (re)creates the user with the
 * password from the Secret, so a rerun after a rotation sets the new password. Secrets come from the
 * environment only; nothing is printed but names and Milvus' status codes.
 */
export const MILVUS_SETUP_SCRIPT = `
import json, os, sys, time, urllib.request
base = os.environ["MILVUS_URI"].rstrip("/") + "/v2/vectordb"
auth = "Bearer root:" + os.environ["MILVUS_ROOT_PASSWORD"]
user, role, db = os.environ["MILVUS_USER"], os.environ["MILVUS_ROLE"], os.environ["MILVUS_DATABASE"]
grants = json.loads(os.environ["MILVUS_GRANTS"])
def call(path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": auth})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
deadline = time.time() + 900
while True:
    try:
        call("/roles/list", {})
        break
    except Exception as e:
        if time.time() > deadline:
            sys.exit("Milvus did not answer within 15 minutes: %s" % type(e).__name__)
        time.sleep(10)
def ok(what, res, tolerate=()):
    code = res.get("code", -1)
    if code != 0 and not any(t in str(res.get("message", "")).lower() for t in tolerate):
        sys.exit("%s failed: code %s" % (what, code))
    print("%s: code %s" % (what, code))
ok("create role " + role, call("/roles/create", {"roleName": role}), ("already exist",))
for g in grants:
    ok("grant %s on %s.%s" % (g["privilege"], db, g["collection"]),
       call("/roles/grant_privilege_v2", {"roleName": role, "dbName": db, "collectionName": g["collection"], "privilege": g["privilege"]}))
password = os.environ["MILVUS_USER_PASSWORD"]
res = call("/users/create", {"userName": user, "password": password})
if res.get("code", -1) != 0 and "exist" in str(res.get("message", "")).lower():
    ok("drop user " + user, call("/users/drop", {"userName": user}))
    res = call("/users/create", {"userName": user, "password": password})
ok("create user " + user, res)
ok("grant role %s to %s" % (role, user), call("/users/grant_role", {"userName": user, "roleName": role}))
`.trim();

/** Names and the Job spec, from validated args (pure); throws naming every bad argument. */
export function milvusUserPlan(name: string, args: MilvusUserArgs) {
  const problems = milvusUserProblems(args);
  if (problems.length > 0) throw new Error(`MilvusUser ${name}: ${problems.join("; ")}`);
  const database = args.database ?? "default";
  const role = `${args.user}_role`;
  const secretName = k8sName(name, "milvus");
  const labels = standardLabels("milvus-user", k8sName(name), "credentials");
  // The Job's spec is immutable: a new script or new grants give it a new name, so `pulumi up` replaces it.
  const hash = crypto.createHash("sha256").update(JSON.stringify([MILVUS_SETUP_SCRIPT, MILVUS_SETUP_IMAGE, args.user, database, args.grants])).digest("hex").slice(0, 8);
  const jobName = k8sName(name, "milvus-setup", hash);
  const restricted = {
    runAsNonRoot: true,
    runAsUser: MILVUS_SETUP_UID,
    runAsGroup: MILVUS_SETUP_UID,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  const job = {
    backoffLimit: MILVUS_SETUP_JOB.backoffLimit,
    activeDeadlineSeconds: MILVUS_SETUP_JOB.activeDeadlineSeconds,
    // ttlSecondsAfterFinished unset: the finished Job is the record that the user exists.
    template: {
      metadata: { labels },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: MILVUS_SETUP_UID, runAsGroup: MILVUS_SETUP_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "setup",
            image: MILVUS_SETUP_IMAGE,
            imagePullPolicy: "IfNotPresent",
            command: ["python3", "-c", MILVUS_SETUP_SCRIPT],
            env: [
              { name: "MILVUS_URI", value: args.endpoint },
              { name: "MILVUS_USER", value: args.user },
              { name: "MILVUS_ROLE", value: role },
              { name: "MILVUS_DATABASE", value: database },
              { name: "MILVUS_GRANTS", value: JSON.stringify(args.grants) },
              { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              { name: "PYTHONUNBUFFERED", value: "1" },
              { name: "MILVUS_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: args.rootSecret, key: MILVUS_ROOT_PASSWORD_KEY, optional: false } } },
              { name: "MILVUS_USER_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: MILVUS_USER_SECRET_KEYS.password, optional: false } } },
            ],
            resources: containerResources(MILVUS_SETUP_RESOURCES),
            securityContext: restricted,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
      },
    },
  };
  return { database, role, secretName, labels, jobName, job };
}

/** The string data of a user's Secret: every derived value stays a Pulumi secret (pure). */
export function milvusUserSecretData(user: string, password: pulumi.Input<string>, withToken: boolean): Record<string, pulumi.Input<string>> {
  const value = pulumi.secret(password);
  return {
    [MILVUS_USER_SECRET_KEYS.username]: user,
    [MILVUS_USER_SECRET_KEYS.password]: value,
    ...(withToken ? { [MILVUS_USER_SECRET_KEYS.token]: pulumi.secret(pulumi.interpolate`${user}:${value}`) } : {}),
  };
}

export class MilvusUser extends pulumi.ComponentResource {
  /** Name of the Secret in the client namespace (keys MILVUS_USER_SECRET_KEYS). */
  readonly secretName: pulumi.Output<string>;
  readonly user: string;
  /** The setup Job: the client's pods start after it. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: MilvusUserArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:apps:MilvusUser", name, {}, opts);
    const plan = milvusUserPlan(name, args);
    // Letters and digits only: it is joined into `user:password` tokens and HTTP headers.
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    const data = (withToken: boolean) => milvusUserSecretData(args.user, password.result, withToken);
    const client = new k8s.core.v1.Secret(`${name}-secret`, {
      metadata: { name: plan.secretName, namespace: args.clientNamespace, labels: plan.labels },
      type: "Opaque",
      stringData: data(true),
    }, { parent: this });
    // The setup Job reads the password in Milvus' namespace (a secretKeyRef cannot cross namespaces).
    const setupSecret = new k8s.core.v1.Secret(`${name}-setup-secret`, {
      metadata: { name: plan.secretName, namespace: args.milvusNamespace, labels: plan.labels },
      type: "Opaque",
      stringData: data(false),
    }, { parent: this });
    const job = new k8s.batch.v1.Job(`${name}-setup`, {
      metadata: { name: plan.jobName, namespace: args.milvusNamespace, labels: plan.labels },
      spec: plan.job,
    }, { parent: this, dependsOn: [setupSecret], deleteBeforeReplace: true, customTimeouts: { create: MILVUS_SETUP_JOB.timeout, update: MILVUS_SETUP_JOB.timeout } });

    this.secretName = client.metadata.name;
    this.user = args.user;
    this.ready = [job, client];
    this.registerOutputs({ secretName: this.secretName, user: this.user, job: job.metadata.name });
  }
}
