/** Settles like `p` within `ms`, or fails the test: a hang is a failure, not a timeout of the whole run. */
export async function within<X>(ms: number, p: Promise<X>, what: string): Promise<X> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
