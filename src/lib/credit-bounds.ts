/**
 * Upper bound of a price in credits per SMS segment, so a typo cannot make one SMS cost a
 * fortune: PUT /v1/prices (core/prices.ts) and `[prices]` in the config (config/schema.ts)
 * enforce the same one.
 */
export const MAX_CREDITS_PER_SEGMENT = 1_000_000
