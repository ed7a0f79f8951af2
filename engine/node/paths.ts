import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';

/**
 * The per-user data folder shared by the CLI and the studio: PASTICHE_HOME if set, else the
 * platform's conventional place for application data. Platform and home folder are parameters so
 * every platform's answer can be checked anywhere.
 */
export function dataHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.PASTICHE_HOME) return env.PASTICHE_HOME;
  if (platform === 'win32') return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), 'Pastiche');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'Pastiche');
  // The XDG spec says to ignore an empty or relative XDG_DATA_HOME.
  const xdgDataHome =
    env.XDG_DATA_HOME && posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : posix.join(home, '.local', 'share');
  return posix.join(xdgDataHome, 'pastiche');
}

export interface StorePaths {
  readonly home: string;
  readonly database: string;
  /** Content-addressed copies of every input and output image. */
  readonly media: string;
  /** Network weights, one folder per network. */
  readonly models: string;
  /** Fast style networks (Johnson et al. 2016), one folder per style, imported or trained. */
  readonly styles: string;
  /** The checkpoints of style networks being trained, one folder per style name, removed once the style is saved. */
  readonly training: string;
}

export function storePaths(home: string): StorePaths {
  return {
    home,
    database: join(home, 'pastiche.db'),
    media: join(home, 'media'),
    models: join(home, 'models'),
    styles: join(home, 'styles'),
    training: join(home, 'training'),
  };
}
