import type { KeyStatus } from '../ipc/channels/keys'
import { KEYED_PROVIDERS, type Settings } from './schema'

/**
 * First run: no provider key is set and Demo is not chosen. The voice window then shows only the
 * welcome and the key card, and the settings window is not offered (main shows the voice window).
 */
export function isOnboarding(settings: Pick<Settings, 'provider'>, keys: Pick<KeyStatus, 'providers'>): boolean {
  return settings.provider !== 'demo' && !KEYED_PROVIDERS.some((p) => keys.providers[p].set)
}
