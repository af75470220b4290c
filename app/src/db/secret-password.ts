import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export type PasswordProvider = () => Promise<string>;

/** The slice of the Secrets Manager client used here; tests substitute a fake. */
export interface SecretReader {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
}

// Short enough that a rotated password is picked up by new connections within minutes.
const CACHE_MS = 5 * 60 * 1000;

/**
 * Reads the database password from Secrets Manager (through the pod's IRSA role) whenever the pool
 * opens a connection, cached for a few minutes: the password never sits in the Deployment, and a
 * rotation needs no restart. The secret is RDS's JSON shape ({"username","password"}) or a bare string.
 */
export function secretsManagerPassword(secretArn: string, client: SecretReader = new SecretsManagerClient({})): PasswordProvider {
  let cached: { password: string; fetchedAt: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.fetchedAt < CACHE_MS) return cached.password;
    const { SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!secret) throw new Error(`secret ${secretArn} has no string value`);
    const password = secret.trimStart().startsWith("{") ? (JSON.parse(secret) as { password?: unknown }).password : secret;
    if (typeof password !== "string" || password === "") throw new Error(`secret ${secretArn} holds no password`);
    cached = { password, fetchedAt: Date.now() };
    return password;
  };
}
