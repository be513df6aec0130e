/** The `--queue` value: a Redis URL, checked before anything runs so a typo is a usage error. */
import { CliUsageError } from '../../cli/args.js';

export interface RedisTarget {
  /** The URL as given (what messages show). */
  url: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
}

/** `redis://host:port[/db]` (or `rediss://` for TLS; user and password allowed, never printed). */
export function parseRedisUrl(value: string, flag = '--queue'): RedisTarget {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CliUsageError(`${flag} expects redis://host:port[/db], got '${value}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new CliUsageError(`${flag} expects a redis:// or rediss:// URL, got '${value}'`);
  if (!u.hostname) throw new CliUsageError(`${flag}: no host in '${value}'`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(dbText)) throw new CliUsageError(`${flag}: database must be an integer 0-15, got '${dbText}' in '${value}'`);
  // Messages name the server without credentials.
  const shown = `${u.protocol}//${u.host}${dbText ? `/${db}` : ''}`;
  return { url: shown, host: u.hostname.replace(/^\[|\]$/g, ''), port, db, tls: u.protocol === 'rediss:' };
}
