/**
 * Activation codes: 12 characters in groups of four (XXXX-XXXX-XXXX) from an alphabet without
 * look-alikes (no 0/O, 1/I/L). 31^12 ≈ 2^59.4 — far above the 40 bits asked for, and guessing is
 * throttled on top (see services/codes.ts).
 */
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LENGTH = 12;

export function generateCode(): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % CODE_ALPHABET.length);
  while (out.length < LENGTH) {
    for (const b of crypto.getRandomValues(new Uint8Array(16))) {
      if (b < limit && out.length < LENGTH) out.push(CODE_ALPHABET[b % CODE_ALPHABET.length] as string);
    }
  }
  return formatCode(out.join(""));
}

/** What people type: any case, spaces or dashes anywhere. ERP-chosen codes keep their own shape. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, "");
}

export function formatCode(raw: string): string {
  const n = normaliseCode(raw);
  return n.length === LENGTH ? `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8)}` : n;
}

export const CODE_ENTROPY_BITS = LENGTH * Math.log2(CODE_ALPHABET.length);
