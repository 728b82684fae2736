// A user's app: seqring installed from its packed tarball, bundled by `vite build`.
// Kernels in seqring's own workers, and a combinator pipeline; the result goes to #out as JSON.
import { arange, batch, prefetch, seq, smap } from 'seqring';
import { loadKernels, normalize } from 'seqring/kernels';

const out = document.getElementById('out');
try {
  await loadKernels();
  const images = Array.from({ length: 8 }, (_, i) => ({ data: new Uint8Array(4 * 3 * 3).fill(i * 10), width: 4, height: 3, channels: 3 }));
  const tensors = prefetch(smap(normalize({ mean: 0.5, std: 0.25 }), seq(images)), { workers: 2 });
  const firsts = [];
  for await (const t of tensors) firsts.push(t.data[0]);
  await tensors.close();
  const batches = prefetch(batch(arange(10), 4), { workers: 2 });
  const seen = [];
  for await (const b of batches) seen.push([...b]);
  await batches.close();
  out.textContent = JSON.stringify({ ok: true, isolated: crossOriginIsolated, transport: tensors.transport, firsts, batches: seen });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: String((e && e.stack) || e) });
}
