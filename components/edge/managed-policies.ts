/**
 * CloudFront's managed policies, by the fixed ids AWS documents for the API (Amazon CloudFront Developer Guide, "Use
 * managed cache policies", "Use managed origin request policies", "Use managed response headers policies").
 */
export const MANAGED_POLICIES = {
    /** Cache key: no headers, cookies or query strings; gzip and brotli; TTL 1 s to 1 year, default 1 day. */
    cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    /** Caches nothing (TTL 0). */
    cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    /**
     * Every viewer header but Host, every cookie and query string. With CachingDisabled this is how Authorization
     * reaches the origin: a custom origin request policy may not name Authorization (CloudFront answers 400), only a
     * cache policy may, which would then key the cache on it (AWS Knowledge Center, "cloudfront-authorization-header").
     * Without Host, CloudFront sends the origin's own name, which the origin's certificate covers.
     */
    allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    /** HSTS, X-Content-Type-Options, X-Frame-Options SAMEORIGIN, Referrer-Policy, X-XSS-Protection. */
    securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

/** The hosted zone of every CloudFront alias target (Route 53 API reference, AliasTarget: "CloudFront distribution: Specify Z2FDTNDATAQYW2"). */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";
