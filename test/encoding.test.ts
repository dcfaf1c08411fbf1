import { describe, expect, it } from 'vitest';
import { analyzeBody } from '../src/sinch/encoding';

describe('analyzeBody (GSM-7 / UCS-2 parts)', () => {
  it.each([
    ['160 GSM chars', 'a'.repeat(160), 'GSM', 160, 1],
    ['161 GSM chars', 'a'.repeat(161), 'GSM', 161, 2],
    ['306 GSM chars', 'a'.repeat(306), 'GSM', 306, 2],
    ['307 GSM chars', 'a'.repeat(307), 'GSM', 307, 3],
    ['159 chars + one extension char (161 septets)', `${'a'.repeat(159)}€`, 'GSM', 161, 2],
    ['158 chars + one extension char (160 septets)', `${'a'.repeat(158)}{`, 'GSM', 160, 1],
    ['form feed counted as two septets', `${'a'.repeat(159)}\f`, 'GSM', 161, 2],
    ['basic-table accents stay GSM', 'èéùìòÇ¡¿ÄÖÑÜ§', 'GSM', 13, 1],
    ['70 UCS-2 chars', 'á'.repeat(70), 'UNICODE', 70, 1],
    ['71 UCS-2 chars', 'á'.repeat(71), 'UNICODE', 71, 2],
    ['134 UCS-2 chars', 'á'.repeat(134), 'UNICODE', 134, 2],
    ['135 UCS-2 chars', 'á'.repeat(135), 'UNICODE', 135, 3],
    ['68 chars + emoji (70 units)', `${'a'.repeat(68)}😀`, 'UNICODE', 70, 1],
    ['69 chars + emoji (71 units)', `${'a'.repeat(69)}😀`, 'UNICODE', 71, 2],
  ])('When the body is %s, then it is %s, %i units, %i part(s)', (_name, body, encoding, units, parts) => {
    expect(analyzeBody(body)).toEqual({ encoding, units, numberOfParts: parts });
  });

  it('When an extension char would straddle the 153-septet part boundary, then it moves to the next part', () => {
    // 152 + 2 (€) does not fit part 1 (153): part 1 = 152, part 2 = € + 152 = 154 > 153 → 3 parts.
    expect(analyzeBody(`${'a'.repeat(152)}€${'a'.repeat(152)}`).numberOfParts).toBe(3);
    // Straight count would give ceil(306/153) = 2; the unsplittable escape pair makes it 3.
  });

  it('When an emoji would straddle the 67-unit part boundary, then it moves to the next part', () => {
    expect(analyzeBody(`${'a'.repeat(66)}😀${'a'.repeat(66)}`).numberOfParts).toBe(3);
  });
});
