export * from './conversation'
export * from './ports'
export * from './transcript'
