// The ECR repositories of the platform's own services on AWS stacks: where `pulumi up` pushes the
// images it builds (docs/adr/0001-service-images.md), and the credentials to push.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ImageRepositoriesArgs {
  /** Repository path prefix, the stack's base name: `<prefix>/<service>`. */
  prefix: string;
  /** The services whose images the kit builds, e.g. ["data-api"]. */
  services: readonly string[];
  /** Images kept per repository (older ones expire; deployments pin digests). Default 20. */
  keepImages?: number;
}

/** A registry the kit pushes to: its address, and credentials when it needs them. */
export interface PushRegistry {
  address: pulumi.Input<string>;
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
}

/** The lifecycle policy: only the newest `keep` images stay (pure). */
export function lifecyclePolicy(keep: number): string {
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new Error(`ImageRepositories: keepImages ${keep}; allowed: an integer 1-1000`);
  return JSON.stringify({ rules: [{ rulePriority: 1, description: `keep the newest ${keep} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep }, action: { type: "expire" } }] });
}

export class ImageRepositories extends pulumi.ComponentResource {
  /** Service -> repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<service>`). */
  readonly urls: Record<string, pulumi.Output<string>>;
  /** ECR's push credentials (a 12-hour token, fetched on every `pulumi up`; the password is a secret). */
  readonly registry: PushRegistry;

  constructor(name: string, args: ImageRepositoriesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:ImageRepositories", name, {}, opts);
    const policy = lifecyclePolicy(args.keepImages ?? 20);
    const repos = args.services.map((service) => {
      const repo = new aws.ecr.Repository(`${name}-${service}`, {
        name: `${args.prefix}/${service}`,
        // Deploys go by digest; a tag may be pushed again by a fresh build (a new CI runner).
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
      }, { parent: this });
      new aws.ecr.LifecyclePolicy(`${name}-${service}`, { repository: repo.name, policy }, { parent: this });
      return [service, repo] as const;
    });
    this.urls = Object.fromEntries(repos.map(([service, repo]) => [service, repo.repositoryUrl]));
    const registryId = repos.length > 0 ? repos[0][1].registryId : pulumi.output("");
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId }, { parent: this });
    this.registry = { address: token.proxyEndpoint, username: token.userName, password: pulumi.secret(token.password) };
    this.registerOutputs({ urls: this.urls });
  }
}
