// The operator's CLI (`signalbox send|customers|keys|credits|sender-ids`) as a separate process
// against a running gateway: create and list customers, make and revoke keys, add credits,
// approve sender IDs. The config file alone tells the CLI where the gateway is and its key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { join } from "node:path"
import {
  startGateway,
  TEST_ADMIN_KEY,
  type TestGateway,
  writeTestConfig,
} from "../support/gateway.ts"
import { FROM_SOURCE } from "../support/gateway-process.ts"
import { balanceOf, body, createCustomer, problem } from "../support/tenants.ts"

let gw: TestGateway
let configFile: string

beforeAll(async () => {
  gw = await startGateway()
  // A config file like the operator's: the gateway's address and its admin key.
  configFile = join(gw.dataDir, "cli.toml")
  writeTestConfig(configFile, join(gw.dataDir, "cli-unused.db"), "")
  const port = new URL(gw.url).port
  await Bun.write(
    configFile,
    (await Bun.file(configFile).text()).replace(
      'listen = "127.0.0.1:0"',
      `listen = "127.0.0.1:${port}"`,
    ),
  )
})
afterAll(async () => {
  await gw.stop()
})

type CliResult = { code: number; out: string; err: string }

function cli(...args: string[]): Promise<CliResult> {
  return cliWithEnv({}, ...args)
}

/** The CLI with the config file, PATH and HOME, and `env`. */
async function cliWithEnv(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const proc = Bun.spawn([...FROM_SOURCE, ...args, "--config", configFile], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, out, err }
}

describe("signalbox CLI", () => {
  test("customers create prints the account and its first key, which works; the same ref makes no second", async () => {
    const made = await cli(
      "customers",
      "create",
      "--name",
      "Ama Shop",
      "--phone",
      "+233201234567",
      "--country",
      "GH",
      "--ref",
      "cli-1",
      "--credits",
      "12",
    )
    expect(made.code, made.err).toBe(0)
    const id = /^(acc_\w+)/.exec(made.out)?.[1]
    const key = /(sk_live_\w+)/.exec(made.out)?.[1]
    expect(id).toBeDefined()
    expect(key).toBeDefined()
    expect((await balanceOf(gw, key!)).sms_credits).toBe(12)
    const again = await cli(
      "customers",
      "create",
      "--name",
      "Ama Shop",
      "--phone",
      "+233201234567",
      "--country",
      "GH",
      "--ref",
      "cli-1",
    )
    expect(again.code).toBe(0)
    expect(again.out).toContain("already exists")
    expect(again.out).not.toContain("sk_live_")
    const list = await cli("customers", "list")
    expect(list.code).toBe(0)
    expect(list.out).toContain(id!)
    expect(list.out).toContain("cli-1")
  })

  test("keys create / list / revoke", async () => {
    const shop = await createCustomer(gw, { external_ref: "cli-keys" })
    const made = await cli(
      "keys",
      "create",
      "--account",
      "cli-keys",
      "--scopes",
      "wallet.read,sms.read",
      "--mode",
      "test",
      "--label",
      "from the CLI",
    )
    expect(made.code, made.err).toBe(0)
    const key = /(sk_test_\w+)/.exec(made.out)![1]!
    const keyId = /^(key_\w+)/.exec(made.out)![1]!
    expect((await gw.api("/v1/balance", { key })).status).toBe(200)
    const list = await cli("keys", "list", "--account", shop.id)
    expect(list.out).toContain(keyId)
    expect(list.out).toContain(key.slice(0, 12))
    expect(list.out).not.toContain(key)
    const revoked = await cli("keys", "revoke", keyId)
    expect(revoked.code, revoked.err).toBe(0)
    expect(revoked.out).toContain("revoked at")
    await problem(await gw.api("/v1/balance", { key }), 401, "authentication_failed")
  })

  test("credits add tops up and takes back; a refusal exits non-zero with the problem", async () => {
    const shop = await createCustomer(gw, { external_ref: "cli-credits" })
    const up = await cli(
      "credits",
      "add",
      "--customer",
      "cli-credits",
      "--amount",
      "40",
      "--reason",
      "invoice 12",
    )
    expect(up.code, up.err).toBe(0)
    expect(up.out).toContain("credits=40")
    const down = await cli(
      "credits",
      "add",
      "--customer",
      shop.id,
      "--amount",
      "-15",
      "--reason",
      "refund",
    )
    expect(down.out).toContain("credits=25")
    const refused = await cli(
      "credits",
      "add",
      "--customer",
      shop.id,
      "--amount",
      "-26",
      "--reason",
      "too much",
    )
    expect(refused.code).toBe(1)
    expect(refused.err).toContain("402 insufficient_credits")
    expect((await balanceOf(gw, shop.key)).sms_credits).toBe(25)
  })

  test("sender-ids list and approve", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 5 })
    const s = await body<{ id: string }>(
      await gw.api("/v1/sender-ids", {
        method: "POST",
        key: shop.key,
        json: { value: "CLISHOP", country_code: "GH", purpose: "receipts" },
      }),
      201,
    )
    const pending = await cli("sender-ids", "list", "--status", "pending")
    expect(pending.out).toContain(s.id)
    const approved = await cli("sender-ids", "approve", s.id)
    expect(approved.code, approved.err).toBe(0)
    expect(approved.out).toContain("approved")
    expect(
      (
        await gw.api("/v1/messages", {
          method: "POST",
          key: shop.key,
          json: { to: "+233201234567", message: "hi", from: "CLISHOP" },
        })
      ).status,
    ).toBe(202)
  })

  test("--key overrides the config's key; a customer's key cannot approve", async () => {
    const shop = await createCustomer(gw)
    const res = await cli("sender-ids", "approve", "snd_x", "--key", shop.key)
    expect(res.code).toBe(1)
    expect(res.err).toContain("403 forbidden")
    expect(TEST_ADMIN_KEY).toStartWith("sk_live_")
  })

  // Issue #2: `signalbox send` sends through a running gateway; on the simulator it is delivered.
  test("send queues a message and, with --wait, prints it delivered", async () => {
    const res = await cli("send", "--to", "+233201234567", "--message", "from the CLI", "--wait")
    expect(res.code, res.err).toBe(0)
    const lines = res.out.trim().split("\n")
    expect(lines[0]).toMatch(/^msg_\w+ {2}\+233201234567 {2}queued {2}1 part\(s\) gsm7$/)
    const id = lines[0]!.split(" ")[0]!
    expect(lines.at(-1)).toBe(`${id}  +233201234567  delivered`)
    const stored = await body<{ status: string; message: string }>(
      await gw.api(`/v1/messages/${id}`),
      200,
    )
    expect(stored).toMatchObject({ status: "delivered", message: "from the CLI" })
  })

  test("send --wait --json prints the final statuses as JSON, for every recipient", async () => {
    const res = await cli(
      "send",
      "--to",
      "+233201234567,+233201234568",
      "--message",
      "JSON from the CLI",
      "--wait",
      "--json",
    )
    expect(res.code, res.err).toBe(0)
    const printed = JSON.parse(res.out) as {
      batch_id: string
      messages: { id: string; to: string; status: string; error: unknown }[]
    }
    expect(printed.batch_id).toStartWith("bat_")
    expect(printed.messages.map((m) => [m.to, m.status]).sort()).toEqual([
      ["+233201234567", "delivered"],
      ["+233201234568", "delivered"],
    ])
    expect(printed.messages.every((m) => m.id.startsWith("msg_") && m.error === null)).toBe(true)
  })

  test("the key: --key, else $SIGNALBOX_API_KEY, else the config's admin key", async () => {
    const wrong = { SIGNALBOX_API_KEY: "sk_live_not_a_key_of_this_gateway_0000000000" }
    // The environment's key is used although the config file has a good one ...
    const refused = await cliWithEnv(wrong, "customers", "list")
    expect(refused.code).not.toBe(0)
    expect(refused.err).toContain("401")
    // ... and --key is used although the environment has a (bad) one.
    const flagged = await cliWithEnv(wrong, "customers", "list", "--key", TEST_ADMIN_KEY)
    expect(flagged.code, flagged.err).toBe(0)
    // Neither: the config's admin key.
    expect((await cli("customers", "list")).code).toBe(0)
  })

  test("send --wait polls the whole batch in one request a round, not one per message", async () => {
    const seen: string[] = []
    // A proxy in front of the gateway that records each request's method and path.
    const proxy = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url)
        seen.push(`${req.method} ${url.pathname}${url.search}`)
        const res = await fetch(`${gw.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: req.headers,
          body: req.method === "GET" ? undefined : await req.arrayBuffer(),
        })
        return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers })
      },
    })
    try {
      const to = ["+233201234561", "+233201234562", "+233201234563", "+233201234564"]
      const res = await cli(
        "send",
        "--to",
        to.join(","),
        "--message",
        "polled",
        "--wait",
        "--url",
        `http://127.0.0.1:${proxy.port}`,
      )
      expect(res.code, res.err).toBe(0)
      expect(
        res.out
          .trim()
          .split("\n")
          .filter((l) => l.endsWith("delivered")),
      ).toHaveLength(4)
      expect(seen[0]).toBe("POST /v1/messages")
      const polls = seen.slice(1)
      expect(polls.length).toBeGreaterThan(0)
      for (const p of polls) expect(p).toMatch(/^GET \/v1\/messages\?batch_id=bat_\w+&limit=1000$/)
    } finally {
      proxy.stop(true)
    }
  })
})
