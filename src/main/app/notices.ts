import type { Notice } from '../../shared/ipc/channels/app'

/** Notices for the user that outlive the moment they happened (shown until dismissed). */
export class NoticeCenter {
  private readonly notices = new Map<string, Notice>()
  private readonly listeners = new Set<(notice: Notice) => void>()

  add(notice: Notice): void {
    this.notices.set(notice.id, notice)
    for (const listener of this.listeners) listener(notice)
  }

  list(): Notice[] {
    return [...this.notices.values()]
  }

  dismiss(id: string): Notice[] {
    this.notices.delete(id)
    return this.list()
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
