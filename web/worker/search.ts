// "Search messages" (issue 16, item 7): a plain-text search over the decrypted history this device
// holds, done in the worker so the texts never cross to the page except as the hits themselves.
import type { MessageView, SearchHit } from './rpc.js';

/** Hits returned at most, newest first. */
export const MAX_HITS = 50;
/** Longest query looked for. */
export const MAX_QUERY = 200;

/** Case- and accent-insensitive form: "Café" finds "cafe". */
export function folded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** The hits for `query` among one room's messages (oldest first, as listed), newest first. */
export function searchRoom(roomId: string, roomName: string, messages: readonly MessageView[], query: string): SearchHit[] {
  const wanted = folded(query.trim());
  if (wanted === '') return [];
  const hits: SearchHit[] = [];
  for (let i = messages.length - 1; i >= 0 && hits.length < MAX_HITS; i--) {
    const m = messages[i]!;
    if (m.pending || !folded(m.text).includes(wanted)) continue;
    hits.push({ roomId, roomName, key: m.key, senderName: m.senderName, text: m.text, time: m.time });
  }
  return hits;
}

/** Every room's hits together, newest first, at most MAX_HITS. */
export function mergeHits(perRoom: readonly SearchHit[][]): SearchHit[] {
  return perRoom.flat().sort((a, b) => b.time - a.time).slice(0, MAX_HITS);
}
