/**
 * Loopback addresses, for the DNS-rebinding Host check: a server bound to any of them must only
 * answer requests that name a loopback host, whatever spelling the address has.
 */
import { isIP } from 'node:net';

/** True for localhost, 127.0.0.0/8, ::1 and IPv4-mapped 127.x (brackets and a port allowed). */
export function isLoopbackHost(raw: string): boolean {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return false;
    host = host.slice(1, end);
  } else if (host.split(':').length === 2) {
    host = host.replace(/:\d*$/, ''); // name:port or v4:port; bare IPv6 has more colons
  }
  host = host.replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) {
    if (host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host)) return true;
    const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host) ?? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return mapped[1].startsWith('127.');
    const hex = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
    if (hex) return parseInt(hex[1], 16) >> 8 === 127;
  }
  return false;
}
