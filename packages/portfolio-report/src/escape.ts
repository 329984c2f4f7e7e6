// Escaping of every string that reaches the HTML: element text, attribute values, inline JSON.
const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON text safe inside `<script type="application/json">`: `<`, `>` and `&` become
 * `\u003c`, `\u003e`, `\u0026` (no `</script>`, no `<!--`), and U+2028/U+2029 are
 * escaped too (legal in JSON, line breaks in older JavaScript). `JSON.parse` of the
 * result gives back exactly the original value.
 */
export function serializeJsonForScript(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('serializeJsonForScript: value has no JSON form');
  return text.replace(/[<>&\u2028\u2029]/g, (character) => JSON_ESCAPES[character] ?? character);
}
