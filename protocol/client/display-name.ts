// Making a display name or room name from the network safe to show. Names are written by members,
// so by anyone an owner or admin let in: a name must not be able to reorder the text around it
// (bidi controls), hide characters (zero-width and other invisible ones), break a list's layout
// (controls, line breaks, long runs of space) or grow without bound. Pure and idempotent:
// safeName(safeName(x)) === safeName(x), so a name stored sanitized stays as it was when read again.
//
// What is kept, and why (docs/protocol.md V-18):
// - A variation selector only directly after a visible character: there it picks a glyph form
//   (text or emoji style of ☺︎/☺️); anywhere else it shows nothing.
// - ZERO WIDTH JOINER only between two pictographs (👩‍💻): there it joins them into one emoji;
//   anywhere else it is an invisible character. ZERO WIDTH NON-JOINER is dropped even in Persian,
//   where it changes how letters join: the name stays readable, and an invisible character that can
//   sit between any two letters is what an impersonator needs.
// - Tag characters are dropped, so subdivision flags (England) show as a plain black flag.
import { utf8 } from '../bytes.js';
import { MAX_NAME_BYTES } from '../wire/content.js';

/** Longest name shown, in user-perceived characters: names are shown in lists and headers. */
export const MAX_NAME_GRAPHEMES = 64;

const SPACE = /\p{White_Space}/u;
const VARIATION_SELECTOR = /\p{Variation_Selector}/u;
const ZWJ = '\u200D';
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
/** Ends an emoji that a ZWJ may extend: the pictograph, or its skin tone or emoji-style selector. */
const EMOJI_TAIL = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
/**
 * Shows nothing or acts on other text: controls (Cc), format characters (Cf: bidi controls, zero
 * widths, tags), lone surrogates, noncharacters, the default-ignorable ones that are not Cf (Hangul
 * fillers U+115F, U+1160, U+3164, U+FFA0, the combining grapheme joiner), and BRAILLE PATTERN BLANK,
 * which renders as an empty cell and is a favourite blank name.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Noncharacter_Code_Point}\p{Default_Ignorable_Code_Point}\u2800]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The name as it may be shown and stored; '' when nothing visible is left (shown as unnamed). */
export function safeName(raw: string): string {
  const kept: string[] = [];
  const chars = [...raw];
  chars.forEach((char, at) => {
    const last = kept[kept.length - 1];
    if (SPACE.test(char)) {
      if (last !== ' ') kept.push(' ');
    } else if (VARIATION_SELECTOR.test(char)) {
      if (last !== undefined && last !== ' ' && !VARIATION_SELECTOR.test(last)) kept.push(char);
    } else if (char === ZWJ) {
      const next = chars[at + 1];
      if (last !== undefined && EMOJI_TAIL.test(last) && next !== undefined && PICTOGRAPH.test(next)) kept.push(char);
    } else if (!INVISIBLE.test(char)) {
      kept.push(char);
    }
  });
  // NFC after the removals: a mark that followed a removed character now meets its base.
  return cap(kept.join('').normalize('NFC').trim());
}

/**
 * Whole graphemes only (an emoji or a letter with its marks is never cut). The byte limit is the
 * wire's: NFC can lengthen a name, and a stored name is sent again in the welcome (§8.2).
 */
function cap(name: string): string {
  let out = '';
  let count = 0;
  let bytes = 0;
  for (const { segment } of graphemes.segment(name)) {
    bytes += utf8(segment).length;
    if (count === MAX_NAME_GRAPHEMES || bytes > MAX_NAME_BYTES) break;
    out += segment;
    count++;
  }
  return out.trimEnd();
}
