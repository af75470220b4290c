import { createHash } from "node:crypto";
import type { AuthorisationOutcome, AuthorisationRequest, PaymentProvider, RefundRequest, VoidRequest } from "./payment-provider";

/**
 * Deterministic tokens of the built-in test provider (in the spirit of card processors' test cards): everything else
 * authorises. Amounts above TEST_AMOUNT_LIMIT_CENTS are declined as over the limit, so a test can fail a payment
 * without a special token.
 */
export const TEST_TOKENS = {
  approved: "tok_test_approved",
  declined: "tok_test_declined",
  insufficientFunds: "tok_test_insufficient_funds",
} as const;

export const TEST_AMOUNT_LIMIT_CENTS = 1_000_000;

const DECLINES: Record<string, string> = {
  [TEST_TOKENS.declined]: "card declined",
  [TEST_TOKENS.insufficientFunds]: "insufficient funds",
};

/** Ids derived from the order id: the same order always gets the same authorisation and refund (idempotency). */
function idFor(prefix: string, orderId: string): string {
  return `${prefix}_test_${createHash("sha256").update(orderId).digest("hex").slice(0, 24)}`;
}

/** The local and test provider: no network, no money, the same answer for the same input every time. */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = "test";

  async authorise(request: AuthorisationRequest): Promise<AuthorisationOutcome> {
    const declined = DECLINES[request.paymentToken];
    if (declined) return { status: "declined", reason: declined };
    if (request.amountCents > TEST_AMOUNT_LIMIT_CENTS) return { status: "declined", reason: "amount over the card's limit" };
    return { status: "authorised", authorisationId: idFor("auth", request.orderId) };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    if (request.authorisationId !== idFor("auth", request.orderId)) throw new Error(`unknown authorisation ${request.authorisationId}`);
    return { refundId: idFor("refund", request.orderId) };
  }

  async voidAuthorisation(request: VoidRequest): Promise<{ voidId: string }> {
    return { voidId: idFor("void", request.orderId) };
  }
}
