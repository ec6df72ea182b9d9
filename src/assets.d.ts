declare module "*.sql" {
  const text: string
  export default text
}

// Asset imports embedded by `bun build --compile` (`with { type: "file" }` yields a path).
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string
  export default path
}
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string
  export default path
}
