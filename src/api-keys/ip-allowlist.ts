// IP allowlists: IPv4 and IPv6 addresses and CIDR ranges; empty means every address.
import { BlockList, isIP } from 'node:net';
import { KeywardError } from '../lib/errors.js';

const MAX_ENTRIES = 100;

/** Canonical entries (`addr/prefix`), or a KeywardError naming the bad one. */
export function parseAllowlist(entries: readonly string[]): string[] {
  if (entries.length > MAX_ENTRIES) throw new KeywardError('invalid_request', `at most ${MAX_ENTRIES} entries`, 'ip_allowlist');
  return entries.map((entry) => {
    const [address = '', prefixText, extra] = entry.trim().split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!family || extra !== undefined || !/^\d{1,3}$/.test(String(prefix)) || prefix > max) {
      throw new KeywardError('invalid_request', `${JSON.stringify(entry)} is not an IP address or CIDR range`, 'ip_allowlist');
    }
    return `${address.toLowerCase()}/${prefix}`;
  });
}

/** IPv4-mapped IPv6 (::ffff:192.0.2.1, as dual-stack sockets report) compares as IPv4. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Compiles a (parsed) allowlist once into a predicate over client addresses. */
export function compileAllowlist(allowlist: readonly string[]): (address: string) => boolean {
  if (allowlist.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [net, prefix] = entry.split('/') as [string, string];
    list.addSubnet(net, Number(prefix), isIP(net) === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    const ip = normaliseAddress(address);
    const family = isIP(ip);
    return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  };
}
