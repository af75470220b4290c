import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { IMAGES } from "./catalogue";
import type { DatabaseEndpoint } from "./database";
import { policyDocument } from "./iam-documents";
import { RDS_CA_FILE, fetchRdsCaScript } from "./rds-ca";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./workload-defaults";

export interface DatabaseBootstrapArgs {
    /** Namespace of the Job and of the Secret with the application's credentials. */
    namespace: string;
    /** Database to create (owned by `roleName`). */
    databaseName: string;
    /** Login role to create; its password is generated and kept in a Kubernetes Secret (unless IAM). Default: databaseName. */
    roleName?: string;
    /** The RDS instance: address, port, its maintenance database and the RDS-managed master secret (and its key). */
    database: DatabaseEndpoint;
    /**
     * The role logs in with IAM database authentication only (RDS's `rds_iam` role, a 15-minute token signed with the
     * application's IAM role): no password exists, none is stored, and any old one is removed. Default false: a
     * generated password in the `<databaseName>-db` Kubernetes Secret.
     */
    iamAuthentication?: boolean;
    /** Changing this value generates the role's password anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    region: string;
    oidc: OidcIdentity;
    /** Resources the Kubernetes objects wait for; must include the namespace they are created in. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const UID = 1000;
const WORK = "/work";

/**
 * An application's own database and login role on the shared RDS instance, created by a mechanism that works on a
 * fresh instance and on every later run: a Kubernetes Job. Its init container reads the RDS-managed master secret
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
    /** Completes once the database and role exist. */
    readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: DatabaseBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:DatabaseBootstrap", name, {}, opts);
        const child = { parent: this };
        this.databaseName = args.databaseName;
        this.username = args.roleName ?? args.databaseName;
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.databaseName) || !/^[a-z_][a-z0-9_]{0,62}$/.test(this.username)) {
            throw new Error(`DatabaseBootstrap ${name}: database and role names must be lower-case SQL identifiers`);
        }
        const serviceAccountName = `${this.databaseName.replace(/_/g, "-")}-db-bootstrap`;

        const iam = args.iamAuthentication ?? false;
        const secret = iam ? undefined : this.kubernetesCredentials(name, args);
        const role = new ServiceAccountRole(`${name}-bootstrap`, {
            oidc: args.oidc,
            namespace: args.namespace,
            serviceAccount: serviceAccountName,
            policy: pulumi.all([args.database.masterUserSecretArn, args.database.kmsKeyArn]).apply(([secretArn, keyArn]) => policyDocument([
                { Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
                {
                    Sid: "DecryptThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn,
                    Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com` } },
                },
            ])),
        }, child);
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-bootstrap`, {
            metadata: { name: serviceAccountName, namespace: args.namespace, annotations: { "eks.amazonaws.com/role-arn": role.roleArn } },
            automountServiceAccountToken: false,
        }, { ...child, dependsOn: args.dependsOn });

        const container = restrictedContainerSecurityContext({ uid: UID });
        const workVolume = { name: "work", mountPath: WORK };
        this.job = new k8s.batch.v1.Job(`${name}-bootstrap`, {
            metadata: { namespace: args.namespace, labels: { "app.kubernetes.io/name": serviceAccountName, "app.kubernetes.io/part-of": "ecommerce-platform" } },
            spec: {
                backoffLimit: 6,
                activeDeadlineSeconds: 1800,
                template: {
                    metadata: { labels: { "app.kubernetes.io/name": serviceAccountName } },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        restartPolicy: "OnFailure",
                        securityContext: restrictedPodSecurityContext(UID),
                        volumes: [{ name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }],
                        initContainers: [{
                            // The RDS CA bundle of the region, so psql verifies the server's certificate and host name.
                            name: "fetch-rds-ca",
                            image: IMAGES.curl,
                            command: ["sh", "-c", `set -eu\n${fetchRdsCaScript(args.region, WORK)}`],
                            volumeMounts: [workVolume],
                            resources: resources("10m", "32Mi", { memory: "64Mi" }),
                            securityContext: container,
                        }, {
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
                                { name: "PGSSLROOTCERT", value: `${WORK}/${RDS_CA_FILE}` },
                                { name: "APP_DATABASE", value: this.databaseName },
                                { name: "APP_ROLE", value: this.username },
                                { name: "APP_IAM_AUTH", value: String(iam) },
                                ...(secret ? [{ name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "password" } } }] : []),
                            ],
                            volumeMounts: [workVolume],
                            resources: resources("50m", "64Mi", { memory: "128Mi" }),
                            securityContext: container,
                        }],
                    },
                },
            },
        }, { ...child, dependsOn: [...(secret ? [secret] : []), serviceAccount, role, ...(args.dependsOn ?? [])] });

        this.secretName = secret?.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }

    private kubernetesCredentials(name: string, args: DatabaseBootstrapArgs): k8s.core.v1.Secret {
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false, keepers: { rotationEpoch: args.rotationEpoch ?? "1" } }, { parent: this });
        return new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: `${this.databaseName.replace(/_/g, "-")}-db`, namespace: args.namespace },
            type: "Opaque",
            stringData: {
                host: args.database.address,
                port: String(args.database.port),
                database: this.databaseName,
                username: this.username,
                password: pulumi.secret(password.result),
            },
        }, { parent: this, dependsOn: args.dependsOn });
    }
}

/** The init container fetches the master secret. */
export const READ_SECRETS_SCRIPT = `set -eu
aws secretsmanager get-secret-value --secret-id "$SECRET_ARN" --query SecretString --output text > ${WORK}/master.json
`;

/**
 * Idempotent: every statement either checks before creating or sets state. The master credentials come from the
 * RDS secret JSON ({"username":..,"password":..}); RDS-generated passwords contain no '"', so a sed extraction
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
