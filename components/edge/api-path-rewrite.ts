/**
 * The API is published at https://<domain>/api/... while its routes (and Kong's) start at /v1: a CloudFront Function
 * on the /api/* behaviour's viewer requests drops the prefix, so /api/v1/products reaches the origin as /v1/products.
 * Kong keeps one set of routes for every caller (the in-region NLB name and the edge alike); /auth/* is not rewritten
 * (Keycloak is served under /auth on Kong too).
 */
export const API_PATH_PREFIX = "/api";

/** cloudfront-js-2.0; the query string is a separate field of the event and is forwarded untouched. */
export const API_PATH_REWRITE_CODE = `function handler(event) {
    var request = event.request;
    request.uri = request.uri.replace(/^\\/api(?=\\/|$)/, "") || "/";
    return request;
}
`;
