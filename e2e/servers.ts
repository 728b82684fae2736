/**
 * The two dev servers the e2e tests run against (started by playwright.config.ts):
 * one cross-origin isolated, one with `SEQRING_NO_COI=1` (no isolation headers).
 */
export const isolatedPort = 5199;
export const notIsolatedPort = 5198;
export const isolatedURL = `http://127.0.0.1:${isolatedPort}`;
export const notIsolatedURL = `http://127.0.0.1:${notIsolatedPort}`;
