import { PROBLEM_TYPES, type ProblemSlug } from "./problem";

/** An error whose status and reason are safe to show to the client; `problem` names its RFC 9457 type. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly problem: ProblemSlug,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (message: string) => new HttpError(400, "bad-request", message);
export const unauthorized = (message: string) => new HttpError(401, "unauthorized", message);
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);
export const notFound = (message: string) => new HttpError(404, "not-found", message);
export const conflict = (message: string) => new HttpError(409, "conflict", message);
export const preconditionFailed = (message: string) => new HttpError(412, "precondition-failed", message);
export const unsupportedMediaType = (message: string) => new HttpError(415, "unsupported-media-type", message);
export const unprocessable = (message: string) => new HttpError(422, "unprocessable", message);
/** A specific cause, e.g. `problem("out-of-stock", ...)`: its status comes from the catalogue. */
export const problem = (slug: ProblemSlug, message: string) => new HttpError(PROBLEM_TYPES[slug].status, slug, message);
