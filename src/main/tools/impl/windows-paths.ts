import { win32 } from 'node:path'

/**
 * Windows helpers by absolute path under %SystemRoot%, never by bare name: a bare
 * "powershell.exe" is looked up in the current folder and PATH, where anything could sit.
 */
export function systemRoot(env: Readonly<Record<string, string | undefined>>): string {
  const value = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? env.WINDIR
  // Only a plain absolute drive path counts; anything else falls back to the usual folder.
  // eslint-disable-next-line no-control-regex
  if (value && /^[A-Za-z]:\\[^<>:"|?*\u0000-\u001f]*$/.test(value) && !value.split('\\').includes('..')) return value.replace(/\\+$/, '')
  return 'C:\\Windows'
}

export const windowsPowerShell = (env: Readonly<Record<string, string | undefined>>) =>
  win32.join(systemRoot(env), 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe')

export const windowsExplorer = (env: Readonly<Record<string, string | undefined>>) => win32.join(systemRoot(env), 'explorer.exe')
