/**
 * How Sinch splits a body into SMS parts (Sinch SMS API reference §8; shared by the service and the emulator): GSM-7 when every character is in
 * the GSM 03.38 basic or extension table, otherwise UCS-2 for the whole message.
 */

export type SmsEncoding = 'GSM' | 'UNICODE';

export type BodyEncoding = {
  encoding: SmsEncoding;
  /** Length in encoding units: septets for GSM-7 (extension chars count 2), UTF-16 units for UCS-2. */
  units: number;
  numberOfParts: number;
};

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Sent as ESC + char, so each costs two septets.
const GSM_EXTENSION = new Set('|^€{}[]~\\\f');

const LIMITS: Record<SmsEncoding, { single: number; perPart: number }> = {
  GSM: { single: 160, perPart: 153 },
  UNICODE: { single: 70, perPart: 67 },
};

/** Unit cost of each character; undefined when the body cannot be sent as GSM-7. */
function gsmWeights(body: string): number[] | undefined {
  const weights: number[] = [];
  for (const char of body) {
    if (GSM_BASIC.has(char)) weights.push(1);
    else if (GSM_EXTENSION.has(char)) weights.push(2);
    else return undefined;
  }
  return weights;
}

/** UCS-2 counts UTF-16 code units, so an emoji (surrogate pair) costs 2 and must not be split. */
function ucs2Weights(body: string): number[] {
  return Array.from(body, (char) => char.length);
}

/** Packs characters greedily into parts; an escape pair or surrogate pair never straddles two parts. */
function countParts(weights: number[], encoding: SmsEncoding): number {
  const units = weights.reduce((sum, w) => sum + w, 0);
  const { single, perPart } = LIMITS[encoding];
  if (units <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const weight of weights) {
    if (used + weight > perPart) {
      parts++;
      used = 0;
    }
    used += weight;
  }
  return parts;
}

/** Encoding, length in units and number of SMS parts for one message body. Pure. */
export function analyzeBody(body: string): BodyEncoding {
  const gsm = gsmWeights(body);
  const encoding: SmsEncoding = gsm ? 'GSM' : 'UNICODE';
  const weights = gsm ?? ucs2Weights(body);
  return {
    encoding,
    units: weights.reduce((sum, w) => sum + w, 0),
    numberOfParts: countParts(weights, encoding),
  };
}
