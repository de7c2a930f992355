import { z } from 'zod'

// Pages run under a CSP without 'unsafe-eval', and zod 4 compiles object parsers with
// new Function unless told not to, at schema construction time. Every page-side bundle (preload,
// renderer, the test harness's bridge) imports this module FIRST, before any schema exists.
z.config({ jitless: true })
