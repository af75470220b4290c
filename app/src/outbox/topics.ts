/**
 * Kafka topics the service publishes to. The platform declares them (KafkaTopic resources in
 * components/kafka.ts) and grants the API Write on exactly these; a rename must change both.
 */
export const ORDERS_TOPIC = "orders";
export const PRODUCTS_TOPIC = "products";
/** Payment events (authorised, failed, refunded) of orders, keyed by order id. */
export const PAYMENTS_TOPIC = "payments";
/** Notification commands anyone may publish (consumed by the notifications worker). */
export const NOTIFICATIONS_TOPIC = "notifications";
/** Where the notifications worker sets aside the events it could not handle, with the reason in the headers. */
export const NOTIFICATIONS_DLQ_TOPIC = "notifications-dlq";
