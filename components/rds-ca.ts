/**
 * Verifying the RDS server certificate (`sslmode=verify-full`) from pods whose public images do not carry Amazon RDS's
 * CA bundle (Keycloak, the bootstrap Jobs). The API bakes the global bundle into its image at build time (app/Dockerfile);
 * these pods fetch the bundle of their region at start into a memory volume, over HTTPS checked against the image's
 * public trust store: the same trust the API's build places in that download. The region bundle holds only the CAs that
 * can sign an instance of that region (AWS: "Using SSL/TLS to encrypt a connection to a DB instance", certificate
 * bundles by AWS Region).
 */

/** The CA bundle of one region, as AWS publishes it. */
export function rdsCaBundleUrl(region: string): string {
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new Error(`"${region}" is not an AWS region name`);
    return `https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`;
}

/** File name of the fetched bundle inside the volume it is written to. */
export const RDS_CA_FILE = "rds-ca.pem";

/**
 * A POSIX sh step (curl: the aws-cli and curl images both ship it) that fails unless a non-empty PEM bundle arrived:
 * `--fail` on HTTP errors, HTTPS only, no redirects to another scheme.
 */
export function fetchRdsCaScript(region: string, directory: string): string {
    return `curl --fail --silent --show-error --proto '=https' --tlsv1.2 --retry 5 --retry-all-errors -o ${directory}/${RDS_CA_FILE} '${rdsCaBundleUrl(region)}'
grep -q 'BEGIN CERTIFICATE' ${directory}/${RDS_CA_FILE}
`;
}
