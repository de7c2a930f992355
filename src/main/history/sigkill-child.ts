/**
 * Test fixture (store.test.ts): writes turns to a history file as fast as it can and reports each
 * committed one on stdout ("committed N"), until the parent kills it with SIGKILL.
 */
import { HistoryStore } from './store'

const path = process.argv[2]
if (!path) throw new Error('usage: sigkill-child.ts DB')
const store = new HistoryStore({ path })
const id = store.begin({ provider: 'openai', model: 'gpt-realtime' })
process.stdout.write(`conversation ${id}\n`)
for (let n = 1; ; n++) {
  store.turn(id, { role: n % 2 ? 'user' : 'assistant', text: `turn number ${n} ${'words '.repeat(40)}` })
  process.stdout.write(`committed ${n}\n`)
}
