/**
 * Realm roles the API checks, by the names Keycloak's shop realm defines them under (realm_access.roles). The platform
 * declares the realm (components/shop-realm.ts, SHOP_REALM_ROLES); the two packages share no code, so the platform's
 * contract test (test/stacks/realm-contract.test.ts) reads this file and the realm the plan imports and fails when a
 * role required here is missing there.
 */
export const ROLES = {
  /** Catalogue writes (POST/PUT/PATCH/DELETE /v1/products). */
  admin: "admin",
  /** A shopper's account; orders need only an authenticated subject. */
  customer: "customer",
} as const;

/** Every role a route of the API requires. */
export const REQUIRED_ROLES: readonly string[] = [ROLES.admin];
