/**
 * Deliberately plain: one @, no spaces, quotes, angle brackets, commas or semicolons (nothing that could add a second
 * recipient or a header), a dot in the domain, at most 254 characters (RFC 5321). Used for the token's email claim,
 * the worker's sender and every recipient it mails.
 */
const EMAIL_PATTERN = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

export function isEmailAddress(value: unknown): value is string {
  return typeof value === "string" && value.length <= 254 && EMAIL_PATTERN.test(value);
}
