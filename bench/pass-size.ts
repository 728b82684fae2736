/**
 * How many elements a timed pass needs to last about `seconds`.
 *
 * Sized from one short pass, passes come out far shorter than meant: a fresh
 * prefetch's first elements arrive while its workers start up and V8 compiles
 * their code, so a short pass runs well below the rate of a long one. (Sized
 * that way, the pipeline suite's 1.5 s passes lasted 0.5 s, and its figure
 * weighed start-up three times as heavily as intended.) So the size is
 * measured again on passes of the length the last estimate gives, until one
 * lasted at least half of `seconds` (at most `MAX_STEPS` passes): start-up
 * then weighs on it about as it will on the timed passes.
 */
const MAX_STEPS = 4;

export async function passSize(
  rate: (n: number) => number | Promise<number>,
  options: { guess: number; seconds: number; min: number; max?: number },
): Promise<number> {
  const { guess, seconds, min, max = Infinity } = options;
  let n = guess;
  for (let step = 0; step < MAX_STEPS; step++) {
    const perSecond = await rate(n);
    const lasted = n / perSecond;
    n = Math.max(min, Math.min(max, Math.round(perSecond * seconds)));
    if (lasted >= seconds / 2) break;
  }
  return n;
}
