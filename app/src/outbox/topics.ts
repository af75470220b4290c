/**
 * Kafka topics the service publishes to. The platform declares them (KafkaTopic resources in
 * components/kafka.ts) and grants the API Write on exactly these; a rename must change both.
 */
export const ORDERS_TOPIC = "orders";
export const PRODUCTS_TOPIC = "products";
