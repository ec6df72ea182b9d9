import { openapi } from "@elysiajs/openapi"
import { Elysia } from "elysia"
// Embedded by `bun build --compile`: the reference page works offline (no CDN, bun-notes).
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" }
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" }
import { PROBLEMS } from "../problems.ts"

function errorsPage(): string {
  const rows = Object.entries(PROBLEMS)
    .map(
      ([code, p]) =>
        `<tr id="${code}"><td><code>${code}</code></td><td>${p.status}</td><td>${p.title}</td></tr>`,
    )
    .join("\n")
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signalbox errors</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}td,th{padding:.3rem .8rem;text-align:left}tr:target{background:#fff3c4}</style>
</head><body><h1>Signalbox error codes</h1><p>Every error is an RFC 9457 <code>application/problem+json</code> document whose <code>code</code> is one of these. The <code>type</code> member links here.</p>
<table><thead><tr><th>code</th><th>status</th><th>title</th></tr></thead><tbody>${rows}</tbody></table></body></html>`
}

export function docsRoutes(version: string) {
  const page = errorsPage()
  return new Elysia({ name: "routes.docs" })
    .use(
      openapi({
        path: "/docs",
        specPath: "/openapi.json",
        provider: "swagger-ui",
        documentation: {
          info: {
            title: "Signalbox API",
            version,
            description:
              "Self-hosted SMS gateway. Authenticate with `Authorization: Bearer <key>` or `X-Api-Key`. Errors are RFC 9457 problem+json with a stable `code` (see /docs/errors).",
          },
          components: {
            securitySchemes: {
              bearer: { type: "http", scheme: "bearer" },
              apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" },
            },
          },
          security: [{ bearer: [] }, { apiKey: [] }],
        },
        swagger: {
          theme: "/docs/assets/swagger-ui.css",
          cdn: "/docs/assets/swagger-ui-bundle.js",
          autoDarkMode: false,
        },
        exclude: {
          paths: [
            "/docs/assets/swagger-ui.css",
            "/docs/assets/swagger-ui-bundle.js",
            "/docs/errors",
          ],
        },
      }),
    )
    .get(
      "/docs/assets/swagger-ui.css",
      () => new Response(Bun.file(swaggerCss), { headers: { "content-type": "text/css" } }),
    )
    .get(
      "/docs/assets/swagger-ui-bundle.js",
      () => new Response(Bun.file(swaggerJs), { headers: { "content-type": "text/javascript" } }),
    )
    .get(
      "/docs/errors",
      () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
    )
}
