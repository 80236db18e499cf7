/**
 * Reads a request body into memory, refusing it (and cancelling the stream) as soon as it passes
 * `max` bytes — whatever the headers announced. `tooBig` is the error of the caller's kind.
 */
export async function readAtMost(req: Request, max: number, tooBig: () => Error): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.byteLength;
  }
  return all;
}
