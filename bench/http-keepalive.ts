/**
 * A minimal HTTP/1.1 keep-alive client for load generation: one TCP connection, one request at
 * a time, bytes written as given and the response read by Content-Length. `fetch` costs the
 * load process ~60 µs per request on the bench machine, CPU the gateway then cannot use on a
 * shared 2-core box; this costs a fraction of that. It is only for benchmarks: no redirects,
 * no chunked responses (refused), no TLS.
 */
import type { Socket } from "bun"

export interface HttpResponse {
  status: number
  body: Buffer
}

interface State {
  buf: Buffer
  /** Request bytes the socket has not taken yet (written on `drain`). */
  unsent: Buffer | null
  waiting: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void } | null
}

const HEADER_END = Buffer.from("\r\n\r\n")

export async function keepAliveClient(baseUrl: string, headers: Record<string, string>) {
  const url = new URL(baseUrl)
  const fixedHeaders = Object.entries({ host: url.host, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")
  const state: State = { buf: Buffer.alloc(0), unsent: null, waiting: null }
  const fail = (error: Error) => {
    const w = state.waiting
    state.waiting = null
    w?.reject(error)
  }
  const write = (s: Socket<State>, bytes: Buffer) => {
    const n = s.write(bytes)
    state.unsent = n < bytes.length ? bytes.subarray(Math.max(0, n)) : null
  }
  const socket: Socket<State> = await Bun.connect<State>({
    hostname: url.hostname,
    port: Number(url.port),
    data: state,
    socket: {
      data(_s, chunk) {
        state.buf = state.buf.length ? Buffer.concat([state.buf, chunk]) : Buffer.from(chunk)
        const end = state.buf.indexOf(HEADER_END)
        if (end < 0) return
        const head = state.buf.toString("latin1", 0, end)
        const status = Number(head.slice(9, 12))
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
        if (!match) return fail(new Error(`response without Content-Length: ${head}`))
        const total = end + 4 + Number(match[1])
        if (state.buf.length < total) return
        const body = state.buf.subarray(end + 4, total)
        state.buf = state.buf.subarray(total)
        const w = state.waiting
        state.waiting = null
        w?.resolve({ status, body })
      },
      drain(s) {
        if (state.unsent) write(s, state.unsent)
      },
      close() {
        fail(new Error("connection closed"))
      },
      error(_s, error) {
        fail(error)
      },
    },
  })
  return {
    post(path: string, body: string): Promise<HttpResponse> {
      if (state.waiting) throw new Error("one request at a time per connection")
      const promise = new Promise<HttpResponse>((resolve, reject) => {
        state.waiting = { resolve, reject }
      })
      write(
        socket,
        Buffer.from(
          `POST ${path} HTTP/1.1\r\n${fixedHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        ),
      )
      return promise
    },
    close() {
      socket.end()
    },
  }
}
