/**
 * Polls `read` until `done` holds (for effects that happen after a response on purpose, such as a
 * cache fill or a pub/sub message), failing after `timeoutMs`. A deadline for an eventual effect, not a
 * performance assertion.
 */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
