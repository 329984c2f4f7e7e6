// Limits on YAML input, checked before and after parsing, so a hostile file fails fast and short.
import type { ContractIssue } from './errors.js';

/** Most characters of YAML text parsed (1 MiB; a portfolio config is a few KB). */
export const YAML_MAX_CHARS = 1024 * 1024;
/** Deepest nesting of flow collections, block indentation levels or parsed values. */
export const YAML_MAX_DEPTH = 64;
/** Most alias expansions (`*name`) in one document: stops "billion laughs" alias bombs. */
export const YAML_MAX_ALIAS_COUNT = 100;
/** Widest block indentation (columns): deep block nesting shows up as wide indentation. */
const YAML_MAX_INDENT = 4 * YAML_MAX_DEPTH;

/**
 * A cheap scan of the raw text, before the parser (which recurses per level and would
 * take seconds or overflow the stack on 100,000 levels): the first place where flow
 * collections (`[`, `{`) nest deeper than YAML_MAX_DEPTH or a line is indented wider
 * than 4 x YAML_MAX_DEPTH, or a NUL character. Quoted strings and comments are skipped;
 * null when the text is within the limits.
 */
export function scanYamlLimits(text: string, fileName: string): ContractIssue | null {
  if (text.length > YAML_MAX_CHARS) {
    return {
      path: fileName,
      message: `${text.length} characters is more than the limit of ${YAML_MAX_CHARS} for a YAML file`,
    };
  }
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let indentDone = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      indentDone = false;
      continue;
    }
    if (!indentDone) {
      if (c === 32) {
        if (i - lineStart >= YAML_MAX_INDENT) {
          return {
            path: `${fileName}:${line}:${i - lineStart + 1}`,
            message: `indented more than ${YAML_MAX_INDENT} columns (nesting deeper than ${YAML_MAX_DEPTH} levels is not allowed)`,
          };
        }
        continue;
      }
      indentDone = true;
    }
    if (c === 0) {
      return {
        path: `${fileName}:${line}:${i - lineStart + 1}`,
        message: 'not a text file: a NUL character (expected YAML text)',
      };
    }
    if (c === 35 && (i === lineStart || text.charCodeAt(i - 1) <= 32)) {
      // A comment runs to the end of the line.
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
    } else if (c === 34) {
      // A double-quoted scalar, with backslash escapes.
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      for (let k = i; k < j && k < text.length; k++) {
        if (text.charCodeAt(k) === 10) {
          line++;
          lineStart = k + 1;
        }
      }
      i = j;
    } else if (c === 39 && (i === lineStart || /[\s[{,:]/.test(text[i - 1] ?? ''))) {
      // A single-quoted scalar ('' is an escaped quote).
      let j = i + 1;
      while (j < text.length) {
        if (text.charCodeAt(j) === 39) {
          if (text.charCodeAt(j + 1) === 39) j += 2;
          else break;
        } else j++;
      }
      for (let k = i; k < j && k < text.length; k++) {
        if (text.charCodeAt(k) === 10) {
          line++;
          lineStart = k + 1;
        }
      }
      i = j;
    } else if (c === 91 || c === 123) {
      depth++;
      if (depth > YAML_MAX_DEPTH) {
        return {
          path: `${fileName}:${line}:${i - lineStart + 1}`,
          message: `collections nested deeper than ${YAML_MAX_DEPTH} levels`,
        };
      }
    } else if ((c === 93 || c === 125) && depth > 0) {
      depth--;
    }
  }
  return null;
}

/** The depth of a parsed value (a scalar is 0), stopping once it passes `limit`. */
export function valueDepth(value: unknown, limit = YAML_MAX_DEPTH): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, unknown>)) {
    const d = valueDepth(child, limit - 1);
    if (d > deepest) deepest = d;
    if (deepest >= limit) break;
  }
  return deepest + 1;
}
