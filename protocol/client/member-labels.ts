// Telling members apart by what a UI shows for them. A name is chosen by its member, so two members
// can show the same one (a copy, or two real Bobs). Every member whose name looks like another
// member's gets a label with the start of its key fingerprint ("Bob · 1a2b"), lengthened until the
// labels differ: a fingerprint prefix can be ground for (four hex digits take 65,536 keys), a
// longer one cannot be matched as cheaply, and two labels are never left equal.
//
// "Looks like" is deliberately loose (nameKey): over-labelling costs a few characters, missing a
// look-alike lets one member pass as another.

/** How a member is named: signing key (hex) and its sanitized name, if it announced one. */
export interface Named {
  readonly sign: string;
  readonly name: string | undefined;
}

/** Separates a name from its fingerprint suffix. */
const SEPARATOR = ' · ';
/** The fingerprint's groups of four hex digits (fingerprint.ts). */
const FINGERPRINT_GROUPS = 5;

/** Short, non-identifying stand-in for a member who has not announced a name (yet). */
export function unnamed(fingerprint: string): string {
  return `Member ${fingerprint.slice(0, 4)}`;
}

/**
 * Lowercase letters that look like Latin ones after case folding: Cyrillic and Greek look-alikes,
 * and the digit/letter pairs (0/o, 1/l/i) fonts draw alike.
 */
const LOOK_ALIKE = new Map<string, string>([
  ['а', 'a'], ['в', 'b'], ['е', 'e'], ['к', 'k'], ['м', 'm'], ['н', 'h'], ['о', 'o'], ['р', 'p'], ['с', 'c'],
  ['т', 't'], ['у', 'y'], ['х', 'x'], ['ѕ', 's'], ['і', 'i'], ['ј', 'j'], ['ԁ', 'd'], ['ԛ', 'q'], ['ԝ', 'w'],
  ['α', 'a'], ['β', 'b'], ['ε', 'e'], ['ζ', 'z'], ['η', 'n'], ['ι', 'i'], ['κ', 'k'], ['μ', 'u'], ['ν', 'v'],
  ['ο', 'o'], ['ρ', 'p'], ['τ', 't'], ['υ', 'u'], ['χ', 'x'], ['ɡ', 'g'], ['ı', 'i'],
  ['0', 'o'], ['1', 'i'], ['l', 'i'], ['|', 'i'],
]);

/** Marks (accents), and the variation selectors and joiners a sanitized name may keep. */
const IGNORED = /[\p{M}\u200D]/gu;

/**
 * The form two names share when they look alike: compatibility forms folded (NFKC: ｂｏｂ, ℬ𝑜𝑏),
 * case folded, accents and variation selectors dropped, common look-alike letters mapped.
 */
export function nameKey(name: string): string {
  const folded = name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKD').replace(IGNORED, '');
  let key = '';
  for (const char of folded) key += LOOK_ALIKE.get(char) ?? char;
  return key;
}

/** nameKey is the costly step and views ask for labels often: keys are kept per name. */
const keys = new Map<string, string>();
const KEPT_KEYS = 10_000;

function cachedKey(label: string): string {
  let key = keys.get(label);
  if (key === undefined) {
    if (keys.size >= KEPT_KEYS) keys.clear();
    key = nameKey(label);
    keys.set(label, key);
  }
  return key;
}

/**
 * A label per member (by signing key): its name (or `unnamed`) where no other member's looks like
 * it, else the name with as many fingerprint groups as make the look-alike labels differ.
 * `fingerprintOf` is asked only for members that need a suffix.
 */
export function memberLabels(people: readonly Named[], fingerprintOf: (sign: string) => string): Map<string, string> {
  const prints = new Map<string, string[]>();
  const groupsOf = (sign: string): string[] => {
    let groups = prints.get(sign);
    if (groups === undefined) prints.set(sign, groups = fingerprintOf(sign).split(' '));
    return groups;
  };
  const base = new Map(people.map((p) => [p.sign, p.name ?? unnamed(groupsOf(p.sign).join(' '))]));
  const shown = new Map(people.map((p) => [p.sign, 0]));
  const label = (sign: string): string => {
    const count = shown.get(sign)!;
    return count === 0 ? base.get(sign)! : `${base.get(sign)!}${SEPARATOR}${groupsOf(sign).slice(0, count).join(' ')}`;
  };
  // Each round lengthens the suffix of every member whose label still looks like another's; a
  // suffix stops growing at the whole fingerprint, so this ends.
  for (;;) {
    const byKey = new Map<string, string[]>();
    for (const p of people) {
      const key = cachedKey(label(p.sign));
      const same = byKey.get(key);
      if (same === undefined) byKey.set(key, [p.sign]);
      else same.push(p.sign);
    }
    let grew = false;
    for (const same of byKey.values()) {
      if (same.length < 2) continue;
      for (const sign of same) {
        const count = shown.get(sign)!;
        if (count < FINGERPRINT_GROUPS) {
          shown.set(sign, count + 1);
          grew = true;
        }
      }
    }
    if (!grew) break;
  }
  return new Map(people.map((p) => [p.sign, label(p.sign)]));
}
