// Mentions: a message that names this device's member as "@Name" (its display name in the room,
// any case, not inside a longer word). Worked out in the worker, where the names are.
const WORD = /[\p{L}\p{N}_]/u;

/** Whether `text` mentions `name` ("@Alice", "@alice," but not "@Alicea" or an empty name). */
export function mentions(text: string, name: string | undefined): boolean {
  const wanted = name?.trim().toLocaleLowerCase();
  if (wanted === undefined || wanted === '') return false;
  const lower = text.toLocaleLowerCase();
  let at = lower.indexOf(`@${wanted}`);
  while (at >= 0) {
    const after = lower.slice(at + 1 + wanted.length, at + 2 + wanted.length);
    if (after === '' || !WORD.test(after)) return true;
    at = lower.indexOf(`@${wanted}`, at + 1);
  }
  return false;
}
