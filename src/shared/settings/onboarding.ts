import type { KeyStatus } from '../ipc/channels/keys'
import { isKeyed } from '../providers'
import { KEYED_PROVIDERS, type Settings } from './schema'

/**
 * First run: no provider key is set and a keyed provider (not Demo) is chosen. The voice window then shows only the
 * welcome and the key card, and the settings window is not offered (main shows the voice window).
 */
export function isOnboarding(settings: Pick<Settings, 'provider'>, keys: Pick<KeyStatus, 'providers'>): boolean {
  return isKeyed(settings.provider) && !KEYED_PROVIDERS.some((p) => keys.providers[p].set)
}
