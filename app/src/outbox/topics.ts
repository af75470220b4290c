/** Kafka topics the service publishes to; the platform creates them (KafkaTopic resources). */
export const ORDERS_TOPIC = "shop.orders.v1";
export const PRODUCTS_TOPIC = "shop.products.v1";
