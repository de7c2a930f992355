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
    read: () => store.store,
    write: (value) => {
      store.store = value
    },
  }
}
