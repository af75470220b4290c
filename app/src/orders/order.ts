export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface OrderItem extends OrderLine {
  sku: string;
  unitPriceCents: number;
}

/**
 * pending_payment: stock reserved, the authorisation not settled yet (a retry with the same Idempotency-Key resumes it);
 * placed: paid (authorised); payment_failed: declined, stock released; cancelled: refunded, stock released.
 */
export type OrderStatus = "pending_payment" | "placed" | "payment_failed" | "cancelled";

export interface OrderPayment {
  status: "authorised" | "failed" | "refunded";
  /** Why a payment failed (the provider's reason). */
  reason?: string;
}

export interface Order {
  id: string;
  status: OrderStatus;
  /** Absent while the authorisation is pending. */
  payment?: OrderPayment;
  totalCents: number;
  items: OrderItem[];
  createdAt: string;
}
