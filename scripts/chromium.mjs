// Debian's Chromium, as every browser run here uses it (Playwright never downloads a browser),
// with the headless flags that work on a machine with no GPU and no network but the registries.
export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
