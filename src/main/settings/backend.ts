import { existsSync, readFileSync } from 'node:fs'
import ElectronStore from 'electron-store'

/** Where the settings tree is persisted. read() throws when the file is not valid JSON. */
export interface SettingsBackend {
  readonly path: string
  read(): unknown
  write(value: Record<string, unknown>): void
}

/**
 * electron-store (atomic writes, file watching off) as the settings backend. The schema and the
 * migrations are ours (zod), so the store is used as a plain JSON document.
 */
export function electronStoreBackend(dir: string, name = 'settings'): SettingsBackend {
  const store = new ElectronStore<Record<string, unknown>>({
    cwd: dir,
    name,
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
    watch: false,
  })
  return {
    path: store.path,
    // Read the file as it is: electron-store quietly turns JSON that is not an object into {},
    // which would hide a damaged file instead of backing it up.
    read: () => (existsSync(store.path) ? (JSON.parse(readFileSync(store.path, 'utf8')) as unknown) : {}),
    write: (value) => {
      store.store = value
    },
  }
}
