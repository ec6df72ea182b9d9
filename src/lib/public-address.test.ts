import { describe, expect, test } from "bun:test"
import { isIpLiteral, isPublicAddress } from "./public-address.ts"

describe("isPublicAddress", () => {
  test("public unicast IPv4 and IPv6 are public", () => {
    for (const ip of ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "[2606:4700::1111]"])
      expect(isPublicAddress(ip)).toBe(true)
  })

  test("loopback, private, link-local, CGNAT, unique-local, unspecified and mapped private are not", () => {
    for (const ip of [
      "127.0.0.1",
      "127.5.6.7",
      "10.0.0.1",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "255.255.255.255",
      "224.0.0.1",
      "::1",
      "[::1]",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:10.0.0.1",
      "::ffff:127.0.0.1",
      "2001:db8::1",
      // IPv4-compatible IPv6 (deprecated), and unassigned space outside 2000::/3.
      "::7f00:1",
      "::a9fe:a9fe",
      "4000::1",
    ])
      expect([ip, isPublicAddress(ip)]).toEqual([ip, false])
  })

  test("a name is not an address", () => {
    expect(isPublicAddress("example.com")).toBe(false)
    expect(isIpLiteral("example.com")).toBe(false)
    expect(isIpLiteral("10.0.0.1")).toBe(true)
    expect(isIpLiteral("[::1]")).toBe(true)
  })
})
