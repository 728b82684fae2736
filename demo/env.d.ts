/// <reference types="vite/client" />
// Vite's client types: `import url from './data/x.png?url&no-inline'` gives the file's URL.
