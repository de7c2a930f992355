import { resolve } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const eslint = new ESLint({ cwd: ROOT })

/** Lints `code` as if it were the file at `path` (the file need not exist). */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path) })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message)
}

describe('lint guards the layer boundaries', () => {
  it.each([
    ['src/shared/bad.ts', "import { app } from 'electron'\nexport const a = app"],
    ['src/shared/bad.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync"],
    ['src/shared/bad.ts', "import { join } from 'path'\nexport const a = join"],
    ['src/shared/bad.ts', "import { useState } from 'react'\nexport const a = useState"],
    ['src/shared/bad.ts', "import WebSocket from 'ws'\nexport const a = WebSocket"],
    ['src/shared/bad.ts', "import { x } from '../main/app/services'\nexport const a = x"],
    ['src/shared/s2s/bad.ts', 'export const a = window.location.href'],
    ['src/shared/s2s/bad.ts', 'export const a = document.title'],
    ['src/shared/s2s/bad.ts', 'export const a = process.env.HOME'],
    ['src/shared/s2s/bad.ts', "export const a = Buffer.from('x')"],
    ['src/shared/s2s/bad.ts', "export const a = new WebSocket('wss://x')"],
    ['src/renderer/src/bad.tsx', "import { ipcRenderer } from 'electron'\nexport const a = ipcRenderer"],
    ['src/renderer/src/bad.tsx', "import { readFile } from 'node:fs/promises'\nexport const a = readFile"],
    ['src/renderer/src/bad.tsx', "import os from 'os'\nexport const a = os"],
    ['src/renderer/src/bad.tsx', "import { x } from '../../main/app/services'\nexport const a = x"],
    ['src/renderer/audio/bad.ts', 'export const a = process.platform'],
    ['src/preload/bad.ts', "import { shell } from 'electron'\nexport const a = shell"],
    ['src/preload/bad.ts', "import { z } from 'zod'\nexport const a = z"],
    ['src/preload/bad.ts', "import { x } from '../main/app/services'\nexport const a = x"],
    ['src/preload/bad.ts', "import fs from 'node:fs'\nexport const a = fs"],
    ['src/main/settings/bad.ts', "import { app } from 'electron'\nexport const a = app"],
    ['src/main/tools/bad.ts', "import { x } from '../../renderer/src/App'\nexport const a = x"],
    ['src/cli/bad.ts', "import { app } from 'electron'\nexport const a = app"],
  ])('%s: refuses %j', async (path, code) => {
    expect(await problems(path, code)).not.toEqual([])
  })

  it.each([
    ['src/shared/ok.ts', "import { z } from 'zod'\nimport { buildCsp } from './security/csp'\nexport const a = [z, buildCsp, new URL('x:y'), setTimeout]"],
    ['src/renderer/src/ok.tsx', "import { useState } from 'react'\nimport { buildCsp } from '../../shared/security/csp'\nexport const a = [useState, buildCsp, window.location]"],
    ['src/preload/ok.ts', "import { contextBridge, ipcRenderer } from 'electron'\nimport { createEarshotApi } from '../shared/ipc/api'\nexport const a = [contextBridge, ipcRenderer, createEarshotApi]"],
    ['src/main/electron/ok.ts', "import { app } from 'electron'\nexport const a = app"],
    ['src/main/settings/ok.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync"],
  ])('%s: allows %j', async (path, code) => {
    expect(await problems(path, code)).toEqual([])
  })
})
