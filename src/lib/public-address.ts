/**
 * Whether a webhook may be sent to an address: only public unicast addresses (not loopback,
 * private, link-local such as a cloud's 169.254.169.254 metadata service, carrier-grade NAT,
 * unique-local, multicast, reserved or documentation ranges). ipaddr.js classifies the ranges of
 * the IANA special-purpose registries (RFC 6890); an IPv4-mapped IPv6 address is read as its IPv4.
 */
import ipaddr from "ipaddr.js"

/** IPv6 global unicast (RFC 4291 §2.4). */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3")

/** An IPv6 literal's brackets off ("[::1]" → "::1"); anything else as it is. */
function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
}

/** true for an IP literal in public unicast space; false for any other range or a non-IP. */
export function isPublicAddress(ip: string): boolean {
  const bare = unbracket(ip)
  if (!ipaddr.isValid(bare)) return false
  const address = ipaddr.process(bare)
  if (address.range() !== "unicast") return false
  // IPv6 global unicast is 2000::/3; ipaddr.js calls the rest of the unassigned space "unicast"
  // too, including the deprecated IPv4-compatible ::a.b.c.d (::7f00:1).
  return address.kind() === "ipv4" || address.match(GLOBAL_UNICAST_V6)
}

/** An IP literal (IPv4, or IPv6 in brackets or not). */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(unbracket(host))
}
