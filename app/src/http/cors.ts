import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

/** Request headers the routes read; a browser asks before sending any of them cross-origin. */
export const CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id"];
/** Response headers a storefront script may read (a browser hides all but the CORS-safelisted ones otherwise). */
export const CORS_EXPOSED_HEADERS = ["ETag", "Location", "Link", "Idempotent-Replayed", "X-Request-Id", "Retry-After", "Allow"];
export const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/**
 * CORS for the configured storefront origins (exact matches). A preflight from another origin is answered without
 * Access-Control-Allow-Origin, so the browser refuses the real request. No credentials mode: tokens travel in the
 * Authorization header, never in cookies.
 */
export function registerCors(app: FastifyInstance, origins: string[]): void {
  app.register(cors, {
    origin: origins,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    // Browsers cap this (Chromium at 2 h); 10 minutes keeps a changed origin list from lingering.
    maxAge: 600,
    strictPreflight: true,
  });
}
