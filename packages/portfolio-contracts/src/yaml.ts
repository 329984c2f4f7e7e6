// `@njord/portfolio-contracts/yaml`: portfolio configs from YAML text. The only entry that
// loads the YAML parser; its parse functions take the text or an already parsed object.
import { parseDocument } from 'yaml';
import { ContractError, type Result } from './errors.js';
import { scanYamlLimits, valueDepth, YAML_MAX_ALIAS_COUNT, YAML_MAX_DEPTH } from './yaml-limits.js';
import {
  type PortfolioConfig,
  safeParsePortfolioConfig as safeParseObject,
} from './portfolio-config.js';

/**
 * Parses YAML text; syntax errors carry line and column. Hostile input fails fast with
 * a short issue: more than 1 MiB, nesting deeper than 64 levels, a NUL character, or
 * more than 100 alias expansions (an alias bomb).
 */
export function parseYamlText(source: string, fileName = '<yaml>'): Result<unknown> {
  const limit = scanYamlLimits(source, fileName);
  if (limit !== null) return { success: false, error: new ContractError([limit], 'yaml_syntax') };
  let data: unknown;
  try {
    const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const issues = doc.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position ? `${fileName}:${position.line}:${position.col}` : fileName;
        const firstLine = error.message.split('\n')[0] ?? error.message;
        return {
          path: where,
          message: cut(firstLine.replace(/ at line \d+, column \d+:?$/, '')),
        };
      });
      return { success: false, error: new ContractError(issues, 'yaml_syntax') };
    }
    data = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    // The yaml library throws (rather than reports) on alias bombs and runaway recursion.
    const message =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `more than ${YAML_MAX_ALIAS_COUNT} alias expansions (an alias bomb?): expand the aliases by hand`
        : error instanceof RangeError
          ? `nested too deeply to parse (at most ${YAML_MAX_DEPTH} levels)`
          : cut(error instanceof Error ? error.message : String(error));
    return {
      success: false,
      error: new ContractError([{ path: fileName, message }], 'yaml_syntax'),
    };
  }
  if (valueDepth(data) > YAML_MAX_DEPTH) {
    return {
      success: false,
      error: new ContractError(
        [{ path: fileName, message: `values nested deeper than ${YAML_MAX_DEPTH} levels` }],
        'yaml_syntax',
      ),
    };
  }
  return { success: true, data };
}

/** A message from the parser, cut to 200 characters (it may quote the input). */
function cut(message: string): string {
  return message.length <= 200 ? message : `${message.slice(0, 200)}...`;
}

/**
 * Validates a portfolio config given as YAML text (or the parsed file,
 * `{portfolio: {...}}`). Every broken rule is reported at once; syntax errors name
 * `fileName`, line and column.
 */
export function safeParsePortfolioConfig(raw: unknown, fileName?: string): Result<PortfolioConfig> {
  if (typeof raw !== 'string') return safeParseObject(raw, fileName);
  const parsed = parseYamlText(raw, fileName);
  if (!parsed.success) return parsed;
  return safeParseObject(parsed.data, fileName);
}

/** Like `safeParsePortfolioConfig`, but throws the ContractError. */
export function parsePortfolioConfig(raw: unknown, fileName?: string): PortfolioConfig {
  const result = safeParsePortfolioConfig(raw, fileName);
  if (!result.success) throw result.error;
  return result.data;
}
