import { Signer } from "@aws-sdk/rds-signer";
import type { PasswordProvider } from "./secret-password";

/** The slice of the RDS signer used here; tests substitute a fake. */
export interface TokenSigner {
  getAuthToken(): Promise<string>;
}

export interface IamTokenTarget {
  hostname: string;
  port: number;
  username: string;
  region: string;
}

/**
 * IAM database authentication: the password of every new connection is a fresh token, signed locally (SigV4, no
 * network call) with the pod's IAM role (IRSA credentials from the default provider chain). A token is valid for
 * 15 minutes and only for opening a connection; connections already open stay open. So no long-lived password
 * exists for the role, and rotating the role's credentials is what AWS does to the IRSA session anyway.
 */
export function rdsIamPassword(target: IamTokenTarget, signer: TokenSigner = new Signer(target)): PasswordProvider {
  return () => signer.getAuthToken();
}
