// A Redis URL fit for a log line or an error message: its password (and any user name but
// "default") replaced by ***.

/** `redis://user:secret@host:6379/0` -> `redis://***:***@host:6379/0`; a URL without them as is. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.username !== '' && parsed.username !== 'default') parsed.username = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
