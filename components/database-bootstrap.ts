import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as time from "@pulumiverse/time";
import { IMAGES } from "./catalogue";
import type { DatabaseEndpoint } from "./database";
import { policyDocument } from "./iam-documents";
import { RDS_CA_FILE, rdsCaConfigMap, rdsCaVolume } from "./rds-ca";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext, secretChecksum, valueChecksum } from "./workload-defaults";

export interface DatabaseBootstrapArgs {
    /**
     * The application's namespace: where the Secret with its credentials lands. The Job runs in the database's
     * bootstrap namespace (`database.bootstrap`) when there is one, here otherwise.
     */
    namespace: string;
    /** Database to create (owned by `roleName`). */
    databaseName: string;
    /** Login role to create; its password is generated and kept in a Kubernetes Secret (unless IAM). Default: databaseName. */
    roleName?: string;
    /** The RDS instance: address, port, its maintenance database and the master secret (and its key). */
    database: DatabaseEndpoint;
    /**
     * The role logs in with IAM database authentication only (RDS's `rds_iam` role, a 15-minute token signed with the
     * application's IAM role): no password exists, none is stored, and any old one is removed. Default false: a
     * generated password in the `<databaseName>-db` Kubernetes Secret.
     */
    iamAuthentication?: boolean;
    /** Changing this value generates the role's password anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    /**
     * Hours the bootstrap's role may read the RDS master secret after the Job's template last changed (a new Job run);
     * outside that window it grants nothing. Default 2 (the Job's deadline is 30 minutes; IAM propagation and retries fit).
     */
    masterSecretAccessHours?: number;
    /** The database's region (Secrets Manager of its master secret, its RDS CA): another stack's for a remote writer. */
    region: pulumi.Input<string>;
    oidc: OidcIdentity;
    /** Resources the Kubernetes objects wait for; must include the namespace they are created in. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const UID = 1000;
const WORK = "/work";
/** Where the RDS CA bundle's ConfigMap is mounted (read-only) in the Job's psql container. */
const RDS_CA_DIR = "/etc/rds-ca";
/** Pod-template annotation with the SHA-256 of the role's password: a rotated password re-runs the Job and rolls its readers. */
export const PASSWORD_SHA256_ANNOTATION = "ecommerce-platform/password-sha256";

/**
 * An application's own database and login role on the shared RDS instance, created by a mechanism that works on a
 * fresh instance and on every later run: a Kubernetes Job. Its init container reads the master secret
 * from Secrets Manager (IRSA role limited to that one secret and its key), and psql then runs idempotent SQL:
 * create the role if missing, (re)set its password (or, with IAM authentication, grant `rds_iam` and drop any
 * password), create the database if missing, owned by the role.
 * The master password is never in Pulumi state and follows RDS's rotation; the application's password is generated
 * here and reaches pods only through the `<databaseName>-db` Secret (keys host, port, database, username, password).
 */
export class DatabaseBootstrap extends pulumi.ComponentResource {
    /** The Kubernetes Secret with the application's credentials; absent when they live in Secrets Manager. */
    readonly secretName: pulumi.Output<string> | undefined;
    readonly username: string;
    readonly databaseName: string;
    /** Completes once the database and role exist (with the current password). */
    readonly job: k8s.batch.v1.Job;
    /**
     * SHA-256 of the role's password (absent with IAM authentication): pods that read the password at start carry it
     * as a template annotation (PASSWORD_SHA256_ANNOTATION) so a rotation rolls them, after `job` has set it.
     */
    readonly passwordSha256: pulumi.Output<string> | undefined;

    constructor(name: string, args: DatabaseBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:DatabaseBootstrap", name, {}, opts);
        const child = { parent: this };
        this.databaseName = args.databaseName;
        this.username = args.roleName ?? args.databaseName;
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.databaseName) || !/^[a-z_][a-z0-9_]{0,62}$/.test(this.username)) {
            throw new Error(`DatabaseBootstrap ${name}: database and role names must be lower-case SQL identifiers`);
        }
        const serviceAccountName = `${this.databaseName.replace(/_/g, "-")}-db-bootstrap`;
        // The Job (and the only service account its master-secret role trusts) lives where no application runs.
        const jobNamespace = args.database.bootstrap?.namespace ?? args.namespace;
        const jobDependsOn = [...(args.dependsOn ?? []), ...(args.database.bootstrap ? [args.database.bootstrap.resource] : [])];

        const iam = args.iamAuthentication ?? false;
        const password = iam ? undefined : new random.RandomPassword(`${name}-password`, { length: 32, special: false, keepers: { rotationEpoch: args.rotationEpoch ?? "1" } }, child);
        const secret = password && this.kubernetesCredentials(`${name}-credentials`, args.namespace, args, password, args.dependsOn);
        // Pods read Secrets of their own namespace only: the Job gets its own copy of the application's password.
        const jobSecret = password && (jobNamespace === args.namespace ? secret : this.kubernetesCredentials(`${name}-job-credentials`, jobNamespace, args, password, jobDependsOn));
        // The region's RDS CA bundle, shipped with the plan next to the Job (one per Job: its namespace may be shared
        // by several applications' Jobs, or be the application's own), so psql verifies the server without a download.
        const rdsCaName = `${serviceAccountName}-rds-ca`;
        const rdsCa = rdsCaConfigMap(`${name}-rds-ca`, { namespace: jobNamespace, configMapName: rdsCaName, region: args.region }, { ...child, dependsOn: jobDependsOn });

        // Rotation (a new RandomPassword) changes the template, so the Job is replaced and runs again: without it the
        // Secret would carry a password PostgreSQL never heard of.
        this.passwordSha256 = password && secretChecksum(password.result);
        const container = restrictedContainerSecurityContext({ uid: UID });
        const workVolume = { name: "work", mountPath: WORK };
        const template = {
            metadata: {
                labels: { "app.kubernetes.io/name": serviceAccountName },
                ...(this.passwordSha256 ? { annotations: { [PASSWORD_SHA256_ANNOTATION]: this.passwordSha256 } } : {}),
            },
            spec: {
                serviceAccountName,
                restartPolicy: "OnFailure",
                securityContext: restrictedPodSecurityContext(UID),
                volumes: [{ name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }, rdsCaVolume("rds-ca", rdsCaName)],
                initContainers: [{
                    name: "read-master-secret",
                    image: IMAGES.awsCli,
                    command: ["sh", "-c", READ_SECRETS_SCRIPT],
                    env: [
                        { name: "SECRET_ARN", value: args.database.masterUserSecretArn },
                        { name: "AWS_REGION", value: args.region },
                        { name: "HOME", value: WORK },
                    ],
                    volumeMounts: [workVolume],
                    resources: resources("50m", "128Mi", { memory: "256Mi" }),
                    securityContext: container,
                }],
                containers: [{
                    name: "create-database",
                    image: IMAGES.postgresClient,
                    command: ["sh", "-c", BOOTSTRAP_SCRIPT],
                    env: [
                        { name: "PGHOST", value: args.database.address },
                        { name: "PGPORT", value: String(args.database.port) },
                        { name: "PGDATABASE", value: args.database.maintenanceDatabase },
                        // rds.force_ssl is on; verify-full also checks the certificate chain and the host name,
                        // so a spoofed endpoint cannot collect the master password.
                        { name: "PGSSLMODE", value: "verify-full" },
                        { name: "PGSSLROOTCERT", value: `${RDS_CA_DIR}/${RDS_CA_FILE}` },
                        { name: "APP_DATABASE", value: this.databaseName },
                        { name: "APP_ROLE", value: this.username },
                        { name: "APP_IAM_AUTH", value: String(iam) },
                        ...(jobSecret ? [{ name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: jobSecret.metadata.name, key: "password" } } }] : []),
                    ],
                    volumeMounts: [workVolume, { name: "rds-ca", mountPath: RDS_CA_DIR, readOnly: true }],
                    resources: resources("50m", "64Mi", { memory: "128Mi" }),
                    securityContext: container,
                }],
            },
        };

        // The master secret is readable only in a window that opens when the Job's template changes (the Job is then
        // replaced and runs again) and closes `masterSecretAccessHours` later: the role keeps no standing access, and
        // a pod that assumes it after the Job ran gets AccessDenied. The window starts when Pulumi creates the Offset
        // (time provider: base_rfc3339 defaults to the creation time; a new trigger replaces it), and only once what
        // the Job waits for (namespaces, node pools) exists, so a long first deploy cannot use the window up.
        const accessWindow = new time.Offset(`${name}-master-secret-window`, {
            offsetHours: args.masterSecretAccessHours ?? 2,
            triggers: { jobTemplate: valueChecksum(template) },
        }, { ...child, dependsOn: jobDependsOn });
        const role = new ServiceAccountRole(`${name}-bootstrap`, {
            oidc: args.oidc,
            namespace: jobNamespace,
            serviceAccount: serviceAccountName,
            policy: pulumi.all([args.database.masterUserSecretArn, args.database.kmsKeyArn, accessWindow.rfc3339, args.region]).apply(([secretArn, keyArn, expiry, region]) => {
                const beforeExpiry = { DateLessThan: { "aws:CurrentTime": expiry } };
                return policyDocument([
                    { Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn, Condition: beforeExpiry },
                    {
                        Sid: "DecryptThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn,
                        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` }, ...beforeExpiry },
                    },
                ]);
            }),
        }, child);
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-bootstrap`, {
            metadata: { name: serviceAccountName, namespace: jobNamespace, annotations: { "eks.amazonaws.com/role-arn": role.roleArn } },
            automountServiceAccountToken: false,
        }, { ...child, dependsOn: jobDependsOn });

        this.job = new k8s.batch.v1.Job(`${name}-bootstrap`, {
            metadata: { namespace: jobNamespace, labels: { "app.kubernetes.io/name": serviceAccountName, "app.kubernetes.io/part-of": "ecommerce-platform" } },
            spec: { backoffLimit: 6, activeDeadlineSeconds: 1800, template },
        }, { ...child, dependsOn: [...(secret ? [secret] : []), ...(jobSecret ? [jobSecret] : []), serviceAccount, role, rdsCa, ...jobDependsOn] });

        this.secretName = secret?.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }

    private kubernetesCredentials(name: string, namespace: string, args: DatabaseBootstrapArgs, password: random.RandomPassword, dependsOn?: pulumi.Input<pulumi.Resource>[]): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(name, {
            metadata: { name: `${this.databaseName.replace(/_/g, "-")}-db`, namespace },
            type: "Opaque",
            stringData: {
                host: args.database.address,
                port: String(args.database.port),
                database: this.databaseName,
                username: this.username,
                password: pulumi.secret(password.result),
            },
        }, { parent: this, dependsOn });
    }
}

/** The init container fetches the master secret. */
export const READ_SECRETS_SCRIPT = `set -eu
aws secretsmanager get-secret-value --secret-id "$SECRET_ARN" --query SecretString --output text > ${WORK}/master.json
`;

/**
 * Idempotent: every statement either checks before creating or sets state. The master credentials come from the
 * master secret's JSON ({"username":..,"password":..}, the shape of an RDS-managed one); its password (generated
 * alphanumeric, components/data/master-secret.ts, or RDS-generated) contains no '"', so a sed extraction
 * suffices (JSON escapes of '\' and '/' are undone). With APP_IAM_AUTH=true the role gets `rds_iam` (RDS then accepts
 * only IAM tokens for it) and its password is removed; otherwise its password is (re)set to APP_PASSWORD.
 */
export const BOOTSTRAP_SCRIPT = `set -eu
PGUSER="$(sed -E 's/.*"username"[[:space:]]*:[[:space:]]*"([^"]*)".*/\\1/' ${WORK}/master.json)"
PGPASSWORD="$(sed -E 's/.*"password"[[:space:]]*:[[:space:]]*"([^"]*)".*/\\1/; s#\\\\/#/#g; s/\\\\\\\\/\\\\/g' ${WORK}/master.json)"
export PGUSER PGPASSWORD
rm -f ${WORK}/master.json
psql -v ON_ERROR_STOP=1 -v role="$APP_ROLE" -v db="$APP_DATABASE" -v pw="\${APP_PASSWORD:-}" -v iam="\${APP_IAM_AUTH:-false}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
\\if :iam
ALTER ROLE :"role" WITH LOGIN PASSWORD NULL;
GRANT rds_iam TO :"role";
\\else
ALTER ROLE :"role" WITH LOGIN PASSWORD :'pw';
\\endif
GRANT :"role" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT ALL ON DATABASE :"db" TO :"role";
SQL
echo "database $APP_DATABASE and role $APP_ROLE are in place"
`;
