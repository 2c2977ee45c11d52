// Whether a URL points at this machine or its private network: the only place Loom lets the model that sees a
// user's credential names live (LOOM_LOCAL_LLM_URL). Decided from the URL alone, at start: an address is local
// when it is a loopback or private IP, `localhost`, a `.local`/`.internal`/`.localhost` name, or a single-label
// name (a compose service such as `ollama`); any other host name is presumed to be a cloud.
import { isIP } from 'node:net';

const PRIVATE_V4: [number, number][] = [
  [0x7f000000, 8], // 127/8
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xa9fe0000, 16], // 169.254/16
];

function v4Local(ip: string): boolean {
  const n = ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
  return PRIVATE_V4.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits));
}

function v6Local(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === '::1') return true;
  // IPv4-mapped, dotted or as the URL parser writes it (::ffff:7f00:1).
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return v4Local(dotted[1]!);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
    return v4Local([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
  }
  // fc00::/7 (unique local) and fe80::/10 (link local).
  return /^f[cd][0-9a-f]{0,2}:/.test(lower) || /^fe[89ab][0-9a-f]?:/.test(lower);
}

export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  const family = isIP(host);
  if (family === 4) return v4Local(host);
  if (family === 6) return v6Local(host);
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return true;
  return host.length > 0 && !host.includes('.');
}
