import { createHash } from "node:crypto";

/** The mock cloud's placeholder material: SHA-256 (hex) of its parts, so a value follows what it stands for. */
export function hexOf(...parts: string[]): string {
    return createHash("sha256").update(parts.join("/")).digest("hex");
}

/**
 * The placeholder key pair the mock cloud gives a `tls.PrivateKey`, from the resource's type and name: the same for
 * the stack that creates it and for every stack that reads it through a stack reference (visibly not a real key).
 */
export function mockTlsKey(type: string, name: string) {
    const seed = hexOf(type, name);
    const hex = (salt: string) => hexOf(seed, salt);
    return {
        privateKeyPem: `-----BEGIN RSA PRIVATE KEY-----\nMOCK${hex("key")}\n-----END RSA PRIVATE KEY-----\n`,
        privateKeyPemPkcs8: `-----BEGIN PRIVATE KEY-----\nMOCK${hex("key")}\n-----END PRIVATE KEY-----\n`,
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\nMOCK${hex("pub")}\n-----END PUBLIC KEY-----\n`,
        publicKeyOpenssh: `ssh-rsa MOCK${hex("pub").slice(0, 32)}\n`,
        publicKeyFingerprintSha256: `SHA256:mock${hex("fp").slice(0, 20)}`,
    };
}
