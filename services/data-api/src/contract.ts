// The data API's contract with the kit that deploys it: port, paths and environment, written once and
// read by both (layers/data.ts imports it). Leaf module: it imports nothing.

export const DATA_API = {
  app: "data-api",
  port: 8080,
  /** Every probe calls it: 200 once migrations have run and the database answers. */
  healthPath: "/api/v1/health",
  metricsPath: "/metrics",
  /** The UID the image runs as (the AppService default). */
  uid: 10001,
} as const;

/** The environment the service reads; the kit sets each (secrets through Secret references only). */
export const DATA_API_ENV = {
  port: "PORT",
  logLevel: "LOG_LEVEL",
  dbHost: "DB_HOST",
  dbPort: "DB_PORT",
  dbName: "DB_NAME",
  dbUser: "DB_USER",
  dbPassword: "DB_PASSWORD",
  /** The read-only text-to-SQL user: the metadata endpoints show what it may see. Optional. */
  metadataDbHost: "METADATA_DB_HOST",
  metadataDbPort: "METADATA_DB_PORT",
  metadataDbUser: "METADATA_DB_USER",
  metadataDbPassword: "METADATA_DB_PASSWORD",
  s3Endpoint: "S3_ENDPOINT",
  s3Region: "S3_REGION",
  s3PathStyle: "S3_PATH_STYLE",
  s3BucketDatasets: "S3_BUCKET_DATASETS",
  s3BucketModels: "S3_BUCKET_MODELS",
  /** Read by the AWS SDK's default credential chain when set (MinIO); absent on AWS (IRSA). */
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  /** What tokens carry in `iss` (the realm's public URL). */
  oidcIssuer: "OIDC_ISSUER_URL",
  /** Where the realm's keys are fetched (inside the cluster); unset: from the issuer's discovery document. */
  oidcJwksUrl: "OIDC_JWKS_URL",
  /** The audience tokens must carry; unset: not checked (Keycloak's default access tokens carry "account"). */
  oidcAudience: "OIDC_AUDIENCE",
} as const;

/** Realm roles (the identity layer's REALM_ROLES) and what each may do here. */
export const ACCESS = {
  read: ["admin", "data-engineer", "ml-engineer", "app-developer", "viewer"],
  write: ["admin", "data-engineer", "ml-engineer"],
  admin: ["admin", "data-engineer"],
} as const;
export type AccessLevel = keyof typeof ACCESS;
