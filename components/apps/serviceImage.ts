// One of the platform's own services built from its Dockerfile and pushed during `pulumi up`
// (docs/adr/0001-service-images.md); the Deployment takes the pushed reference with its digest.
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { PushRegistry } from "../infra/imageRepositories";

/** The platform's own services the kit builds (each has services/<name>/Dockerfile). */
export const KIT_SERVICES = ["data-api"] as const;

export interface ServiceImageArgs {
  /**
   * The build context, the repository root (one lockfile for every service): relative to the program's
   * folder, where Pulumi runs it, so the state does not depend on where the checkout is.
   */
  context: string;
  /** The Dockerfile, relative to the context, e.g. services/data-api/Dockerfile. */
  dockerfile: string;
  /** Repository to push to, without a tag: `<registry>/<base>/<service>`. */
  repository: pulumi.Input<string>;
  /** Tag pushed with the image, e.g. the service's version; deploys still pin the digest. */
  tag: string;
  /** The nodes' platform. */
  platform: "linux/amd64" | "linux/arm64";
  /** Credentials for the registry; none for a registry that takes anonymous pushes (kind's local one). */
  registry?: PushRegistry;
}

/** Why the args are refused, if they are (pure). */
export function serviceImageProblems(args: Pick<ServiceImageArgs, "dockerfile" | "tag">): string[] {
  const p: string[] = [];
  if (!/^[A-Za-z0-9._/-]+\/Dockerfile$/.test(args.dockerfile) || args.dockerfile.split("/").includes("..")) p.push(`dockerfile ${JSON.stringify(args.dockerfile)}: allowed: a path inside the context ending in /Dockerfile`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.tag) || /^latest$/i.test(args.tag)) p.push(`tag ${JSON.stringify(args.tag)}: allowed: a version tag (not latest)`);
  return p;
}

export class ServiceImage extends pulumi.ComponentResource {
  /** `<repository>:<tag>@sha256:<digest>` once pushed (unknown in a preview: nothing is built then). */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:apps:ServiceImage", name, {}, opts);
    const problems = serviceImageProblems(args);
    if (problems.length > 0) throw new Error(`ServiceImage ${name}: ${problems.join("; ")}`);
    const image = new dockerBuild.Image(`${name}-build`, {
      context: { location: args.context },
      dockerfile: { location: args.context === "." ? args.dockerfile : `${args.context}/${args.dockerfile}` },
      platforms: [args.platform],
      tags: [pulumi.interpolate`${args.repository}:${args.tag}`],
      push: true,
      // A preview needs no Docker: the image is built and pushed by `pulumi up` only.
      buildOnPreview: false,
      ...(args.registry ? { registries: [{ address: args.registry.address, username: args.registry.username, password: args.registry.password }] } : {}),
    }, { parent: this });
    this.ref = image.ref;
    this.registerOutputs({ ref: this.ref });
  }
}
