/**
 * Redis connections for the queue. They retry for ever (a Redis restart pauses the run rather than
 * failing it) and the first one tells the user when Redis goes away and when it is back.
 */
import { Redis } from 'ioredis';
import type { RedisTarget } from './redis-url.js';

export type Say = (message: string) => void;

/** Reconnect delay: quick at first, then every 2 s. */
const retryStrategy = (times: number): number => Math.min(100 * times, 2000);

export function connect(target: RedisTarget): Redis {
  return new Redis({
    host: target.host, port: target.port, db: target.db, ...(target.tls ? { tls: {} } : {}),
    // BullMQ needs commands to wait for the connection instead of failing after a few retries.
    maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy, lazyConnect: false,
  });
}

/**
 * Report connection loss once per outage. `onBack` runs when the connection is ready again after
 * an outage (the server may have restarted empty: callers re-check their jobs).
 */
export function watchConnection(conn: Redis, target: RedisTarget, say: Say, onBack: () => void = () => {}): { stop(): void } {
  let down = false;
  let stopped = false;
  let everReady = false;
  const lost = (why: string): void => {
    if (down || stopped) return;
    down = true;
    say(everReady ? `Redis at ${target.url} went away (${why}); paused, waiting for it to come back`
      : `cannot reach Redis at ${target.url} (${why}); waiting for it`);
  };
  conn.on('error', (err: Error & { code?: string }) => lost(err.code ?? err.message));
  conn.on('close', () => { if (everReady) lost('connection closed'); });
  conn.on('ready', () => {
    const wasDown = down;
    down = false;
    if (wasDown) say(`Redis at ${target.url} is back; continuing`);
    if (everReady && wasDown) onBack();
    everReady = true;
  });
  return { stop: () => { stopped = true; } };
}
