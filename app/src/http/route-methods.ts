import type { FastifyInstance } from "fastify";

interface KnownRoute {
  pattern: RegExp;
  methods: Set<string>;
}

function patternOf(url: string): RegExp {
  // Our routes use plain `:param` segments (and a trailing `*` for wildcards); nothing else of find-my-way's syntax.
  const source = url
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}/?$`, "i");
}

/**
 * The methods each route path answers, recorded as routes are added, so a request with another method on a known
 * path gets 405 with `Allow` (RFC 9110 §15.5.6) instead of 404. Install before any route is registered.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes = new Map<string, KnownRoute>();
  app.addHook("onRoute", (route) => {
    // The CORS plugin's catch-all preflight route answers OPTIONS anywhere; it says nothing about a path's methods.
    if (route.url === "*" || route.url === "/*") return;
    const known = routes.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method);
    routes.set(route.url, known);
  });
  return (path) => {
    const methods = new Set<string>();
    for (const route of routes.values()) if (route.pattern.test(path)) route.methods.forEach((method) => methods.add(method));
    return [...methods].sort();
  };
}
