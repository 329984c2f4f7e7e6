// Escaping: HTML text and attributes, and JSON that must stay inside its <script> block.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, serializeJsonForScript } from './escape.js';

describe('escapeHtml', () => {
  it('replaces the five characters that can open markup or close an attribute', () => {
    // By hand: & -> &amp;  < -> &lt;  > -> &gt;  " -> &quot;  ' -> &#39;
    expect(escapeHtml(`<img src=x onerror="alert('1')"> & </script>`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; &lt;/script&gt;',
    );
  });

  it('leaves no raw markup character, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(escapeHtml(text)).not.toMatch(/[<>"']/);
        // Every & left is the start of one of the five entities.
        expect(escapeHtml(text).replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
      { numRuns: 300, seed: 7 },
    );
  }, 60_000);
});

describe('serializeJsonForScript', () => {
  it('escapes <, >, & and the two JavaScript line terminators as \\u escapes', () => {
    const text = serializeJsonForScript({ d: '</script><!--&\u2028\u2029' });
    expect(text).toBe('{"d":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029"}');
  });

  it('gives back exactly the value through JSON.parse, and never a character that could end the block', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const payload = { value, text };
        const serialized = serializeJsonForScript(payload);
        expect(serialized).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(serialized)).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('refuses a value that has no JSON form', () => {
    expect(() => serializeJsonForScript(undefined)).toThrow(TypeError);
  });
});
