import { z } from 'zod'

/** Building blocks of the settings schema, shared by schema.ts and each provider's settings (src/shared/providers/<id>/settings.ts). */

/** An http(s) base URL; no credentials, query or fragment. */
export const HttpBaseUrlSchema = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash
    } catch {
      return false
    }
  }, 'must be an http(s) URL without credentials, query or fragment')

/** A string of at most `max` characters. */
export const text = (max: number) => z.string().max(max)
