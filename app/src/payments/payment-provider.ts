/**
 * The seam to a payment service provider. Both calls are idempotent on `orderId`: a retried authorisation or refund
 * of the same order returns the first outcome instead of charging or refunding twice (real providers take an
 * idempotency key; the order id is ours).
 */
export interface AuthorisationRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  /** The opaque card/payment-method token the client obtained from the provider's checkout (never card data). */
  paymentToken: string;
}

export type AuthorisationOutcome =
  | { status: "authorised"; authorisationId: string }
  | { status: "declined"; reason: string };

export interface RefundRequest {
  orderId: string;
  authorisationId: string;
  amountCents: number;
}

export interface VoidRequest {
  orderId: string;
  amountCents: number;
}

export interface PaymentProvider {
  /** Name recorded with each payment (which provider holds the money). */
  readonly name: string;
  authorise(request: AuthorisationRequest): Promise<AuthorisationOutcome>;
  /** Resolves with the provider's refund id; rejects when the provider refuses (the order stays as it was). */
  refund(request: RefundRequest): Promise<{ refundId: string }>;
  /**
   * Cancels whatever the provider holds for an order whose authorisation never settled here (it timed out: it may or
   * may not have gone through). Resolves also when nothing was authorised; an authorisation of the order arriving
   * after the void is refused. Rejects when the provider cannot be reached.
   */
  voidAuthorisation(request: VoidRequest): Promise<{ voidId: string }>;
}
